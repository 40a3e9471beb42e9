"""Shared fixtures.

Database fixtures (every storage test runs on both dialects):

- ``db_url``: a migrated, empty database, parametrised "sqlite" / "postgresql".
  SQLite: a copy of a template migrated once per session, under one URL per process
  (a symlink to each test's copy). PostgreSQL: one database per test run, per xdist
  worker (``mentorbot_test_<random>``), emptied before each test.
  The postgresql params carry the ``postgres`` marker.
- ``empty_db_url``: a database that exists but was never migrated (same params).
- ``module_databases``: module-scoped, same params; `new()` gives a migrated database
  that lives until the module's last test (for a world staged once per module).
- ``engine``, ``session_factory``, ``session``: built on ``db_url``; the engine is the
  process's one for that URL (``shared_engines``, tests/engines.py), its connections
  closed between tests.

PostgreSQL comes from $MENTORBOT_TEST_POSTGRES_URL (a server URL; its database is
only used to create and drop test databases). If it cannot be reached the
postgresql cases skip, or fail when MENTORBOT_REQUIRE_POSTGRES=1 (CI).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import make_engine, make_session_factory, normalize_url
from bot.db.migrate import upgrade
from tests.engines import Engines


def _share_compiled_modules() -> None:
    """Where PYTHONDONTWRITEBYTECODE keeps bytecode out of the source tree, keep it in one
    cache outside it instead (PYTHONPYCACHEPREFIX), for this process and those it starts:
    the xdist workers and every `mentorbot` a test runs. Otherwise each of them compiles
    the whole bot (and pytest rewrites every test module) anew, a few tenths of a second
    of CPU per process. Python checks each cached file against its source."""
    if not sys.dont_write_bytecode or sys.pycache_prefix:
        return
    prefix = str(Path(tempfile.gettempdir()) / f"mentorbot-pycache-{os.getuid()}")
    sys.pycache_prefix, sys.dont_write_bytecode = prefix, False
    os.environ["PYTHONPYCACHEPREFIX"] = prefix
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


_share_compiled_modules()

# The `gate` fixture: a stand-in for the matcher's Pool that a test opens when it likes.
pytest_plugins = ("tests.pool_gate",)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` (addopts): two workers per core. With one per core the cores sat idle a
    third of the time while tests waited (on the processes they start, on a Slack made slow
    on purpose, on PostgreSQL). On 2 cores: 5 min 47 s with 2 workers, 4:53 with 3, 4:40
    with 4."""
    return 2 * (os.cpu_count() or 1)


@pytest.hookimpl(tryfirst=True)  # before xdist starts its workers
def pytest_sessionstart(session: pytest.Session) -> None:
    """The run's first process starts the slow things the run will need (tests/prepared.py)."""
    config = session.config
    if os.environ.get("PYTEST_XDIST_WORKER") or config.option.collectonly:
        return
    from tests import prepared

    base = config._tmp_path_factory.getbasetemp()  # the run's directory (its workers' parent)
    root, invoked_from = config.rootpath, config.invocation_params.dir
    for name in prepared.MAKERS:
        if prepared.needed(name, root, invoked_from, list(config.args)):
            prepared.start_in_background(base, name, root)
    if config.pluginmanager.has_plugin("dsession"):  # workers to come (tests/warm_bytecode.py)
        from tests import warm_bytecode

        warm_bytecode.warm(config)


POSTGRES_URL_ENV = "MENTORBOT_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "MENTORBOT_REQUIRE_POSTGRES"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

DB_BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def _url_string(url: URL) -> str:
    return url.render_as_string(hide_password=False)


class PostgresServer:
    """Creates and drops throwaway databases on the test server."""

    def __init__(self, admin: Engine) -> None:
        self.admin = admin

    def create_database(
        self, prefix: str = "mentorbot_test", *, template: URL | None = None
    ) -> URL:
        """A new database; a copy of `template` (which nobody may be connected to) if given."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        copy = f' TEMPLATE "{template.database}"' if template is not None else ""
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
            # Commits return without waiting for the WAL to reach the disk (2-3 ms each
            # here, most of the suite's idle time on PostgreSQL). What the bot sees is the
            # same: only a crash of the server itself could lose a commit, and no test
            # crashes it. Not inherited through TEMPLATE, so set on every database.
            connection.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        return self.admin.url.set(database=name)

    def drop_database(self, url: URL) -> None:
        with self.admin.connect() as connection:
            # A leaked connection from a test must not keep the database alive.
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": url.database},
            )
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}"')


@contextlib.contextmanager
def one_worker_at_a_time(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    """A directory shared by every xdist worker of this run, held by one worker at a time.

    For what is worth making once per run however the tests are spread (a demo telling,
    a compiled kernel): the first worker in makes it there, the others wait and find it
    made. Under -n0 it is this run's own directory."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's directory, above each worker's own
    where = base / name
    where.mkdir(exist_ok=True)
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield where
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def _postgres_server() -> Iterator[PostgresServer]:
    url = normalize_url(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
    admin = make_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as error:
        admin.dispose()
        where = url.render_as_string(hide_password=True)
        detail = " ".join(str(error.orig).split())  # one line in the skip summary
        reason = f"PostgreSQL unavailable at {where}: {detail}"
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(f"{reason} ({REQUIRE_POSTGRES_ENV}=1)", pytrace=False)
        pytest.skip(f"{reason} (set {POSTGRES_URL_ENV} to use another server)")
    yield PostgresServer(admin)
    admin.dispose()


class _PostgresTestDatabase:
    """The run's migrated database; `reset()` empties it between tests.

    DELETE in foreign-key order, then sequences back to 1: the same empty database
    TRUNCATE ... RESTART IDENTITY gives, in a fifth of the time (TRUNCATE replaces
    every table's files, which costs far more than deleting a test's few rows).
    Autovacuum is off for these tables, so rows still come back from a scan in the
    order they were written, as from TRUNCATE's fresh files (a vacuum would let new
    rows fill earlier pages, and a test that forgot an ORDER BY would flake).
    """

    def __init__(self, url: URL) -> None:
        self.url = url
        self._engine = make_engine(url)
        tables = sa.MetaData()
        tables.reflect(self._engine)
        preparer = self._engine.dialect.identifier_preparer
        with self._engine.connect() as connection:
            sequences = connection.scalars(
                sa.text(
                    "SELECT sequence_name FROM information_schema.sequences "
                    "WHERE sequence_schema = current_schema() ORDER BY sequence_name"
                )
            ).all()
        with self._engine.begin() as connection:
            for table in tables.sorted_tables:
                connection.exec_driver_sql(
                    f"ALTER TABLE {preparer.quote(table.name)} SET (autovacuum_enabled = off)"
                )
        self._statements = [
            *(
                f"DELETE FROM {preparer.quote(table.name)}"
                for table in reversed(tables.sorted_tables)
                if table.name != "alembic_version"
            ),
            *(f"ALTER SEQUENCE {preparer.quote(name)} RESTART" for name in sequences),
        ]

    def reset(self) -> None:
        with self._engine.begin() as connection:
            # Fail loudly instead of hanging if an earlier test leaked an open transaction.
            connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
            connection.exec_driver_sql("; ".join(self._statements))

    def dispose(self) -> None:
        self._engine.dispose()


@pytest.fixture(scope="session")
def _postgres_template(_postgres_server: PostgresServer) -> Iterator[URL]:
    """A database migrated once per run (per xdist worker) and never connected to again:
    CREATE DATABASE ... TEMPLATE copies it for whoever needs a database of their own."""
    url = _postgres_server.create_database("mentorbot_test_template")
    try:
        upgrade(_url_string(url))
        yield url
    finally:
        _postgres_server.drop_database(url)


@pytest.fixture(scope="session")
def _postgres_test_database(
    _postgres_server: PostgresServer, _postgres_template: URL
) -> Iterator[_PostgresTestDatabase]:
    url = _postgres_server.create_database(template=_postgres_template)
    try:
        database = _PostgresTestDatabase(url)
        yield database
        database.dispose()
    finally:
        _postgres_server.drop_database(url)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    # Fold the WAL into the main file so copying the one file copies everything.
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode = DELETE")
    connection.close()
    return path


@pytest.fixture(scope="session")
def shared_engines() -> Iterator[Engines]:
    """One Engine per database URL for the process (tests/engines.py says why)."""
    engines = Engines()
    yield engines
    engines.dispose_all()


@pytest.fixture(scope="session")
def _sqlite_test_url(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The URL every SQLite test of this process uses: a symlink, pointed at each test's
    own database in turn. SQLite resolves it on opening, so a connection left over from
    an earlier test still writes (and cleans up) that test's file, never this one's."""
    link = tmp_path_factory.mktemp("db-link") / "mentorbot.sqlite3"
    return f"sqlite:///{link}", link


@pytest.fixture(params=DB_BACKENDS)
def db_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    shared_engines: Engines,
) -> str:
    """URL of a freshly migrated, empty database for this test."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        url, link = request.getfixturevalue("_sqlite_test_url")
        path = tmp_path_factory.mktemp("db") / "mentorbot.sqlite3"
        shutil.copyfile(template, path)
        shared_engines.release(url)
        link.unlink(missing_ok=True)
        link.symlink_to(path)
        return url
    database: _PostgresTestDatabase = request.getfixturevalue("_postgres_test_database")
    url = _url_string(database.url)
    shared_engines.release(url)
    database.reset()
    return url


class ModuleDatabases:
    """Migrated, empty databases of one backend that outlive a test: `new()` makes one
    (a copy of the migrated template), and all of them go when the module's tests end."""

    def __init__(self, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
        self.backend: str = request.param
        self._request = request
        self._tmp = tmp_path_factory
        self._made: list[URL] = []

    def new(self) -> str:
        if self.backend == "sqlite":
            template: Path = self._request.getfixturevalue("_sqlite_template")
            path = self._tmp.mktemp("module-db") / "mentorbot.sqlite3"
            shutil.copyfile(template, path)
            return f"sqlite:///{path}"
        server: PostgresServer = self._request.getfixturevalue("_postgres_server")
        url = server.create_database(template=self._request.getfixturevalue("_postgres_template"))
        self._made.append(url)
        return _url_string(url)

    def drop_all(self) -> None:
        if self._made:
            server: PostgresServer = self._request.getfixturevalue("_postgres_server")
            for url in self._made:
                server.drop_database(url)


@pytest.fixture(scope="module", params=DB_BACKENDS)
def module_databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModuleDatabases]:
    """For state a module's tests share (a bot staged once, see
    tests/integration/conftest.py `Standing`), on each backend in turn."""
    databases = ModuleDatabases(request, tmp_path_factory)
    try:
        yield databases
    finally:
        databases.drop_all()


@pytest.fixture(params=DB_BACKENDS)
def empty_db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """URL of a database that exists but has no tables (for migration tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'empty.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("_postgres_server")
    url = server.create_database("mentorbot_test_empty")
    try:
        yield _url_string(url)
    finally:
        server.drop_database(url)


@pytest.fixture
def engine(db_url: str, shared_engines: Engines) -> Iterator[Engine]:
    engine = shared_engines.get(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """For tests that need several independent sessions (e.g. one per thread)."""
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session
