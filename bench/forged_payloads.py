"""Forged but signed payloads against the real bot over HTTP: how many changed state.

    python bench/forged_payloads.py [--postgres postgresql+psycopg://postgres@127.0.0.1/postgres]

For each forgery in tests/integration/forgeries.py, on a fresh database (SQLite, and
PostgreSQL when reachable): stage a program (mentees, mentors, a pending request, a
decline, a coordinator's open round), send the forged payload through /slack/events
with a valid signature, and compare every table but the audit trail and the outbox.
Prints one line per forgery and the totals: tried, changed state, answered politely.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from bot.app import build_app
from bot.db.migrate import upgrade
from bot.emulator import SlackDriver, SlackEmulator
from bot.runtime import build_runtime
from bot.server import build_asgi, serving_in_thread

# The forgeries and their staging are the tests' own (tests/integration/forgeries.py):
# run from the repository root or not, the bench finds them there.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.conftest import (
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM,
    Rig,
    rig_settings,
)
from tests.integration.forgeries import FORGERIES, POLITE, refusals, snapshot, stage


@contextmanager
def database(dialect: str, admin_url: str) -> Iterator[str]:
    if dialect == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            upgrade(url)
            yield url
        return
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"mentorbot_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def rig(db_url: str) -> Iterator[Rig]:
    with SlackEmulator(tokens=[BOT_TOKEN]) as emulator:
        runtime = build_runtime(rig_settings(emulator, db_url))
        app = build_app(runtime.deps)
        with serving_in_thread(
            build_asgi(app, runtime.engine, signing_secret=SIGNING_SECRET)
        ) as base_url:
            driver = SlackDriver(f"{base_url}/slack/events", SIGNING_SECRET, emulator, team_id=TEAM)
            yield Rig(emulator, driver, runtime, base_url, app.listener_runner.listener_executor)
        runtime.close()


def run(dialect: str, admin_url: str) -> tuple[int, int, int]:
    tried = changed = polite = 0
    for name, forge in FORGERIES.items():
        with database(dialect, admin_url) as url, rig(url) as r:
            world = stage(r)
            before, audited = snapshot(r), len(refusals(r))
            answer = forge(r, world)
            r.settle()
            moved = snapshot(r) != before
            kind = any(word in answer for word in POLITE)
            recorded = len(refusals(r)) - audited
        tried += 1
        changed += moved
        polite += kind
        print(
            f"  {dialect:10} {name:40} state changed: {'YES' if moved else 'no '}  "
            f"polite: {'yes' if kind else 'NO '}  audit entries: {recorded}"
        )
    return tried, changed, polite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    dialects = ["sqlite"]
    try:
        sa.create_engine(args.postgres).connect().close()
        dialects.append("postgresql")
    except sa.exc.OperationalError:
        print("PostgreSQL not reachable: SQLite only")
    for dialect in dialects:
        tried, changed, polite = run(dialect, args.postgres)
        print(
            f"{dialect}: forged payloads tried: {tried}, changed state: {changed}, "
            f"answered politely: {polite}"
        )


if __name__ == "__main__":
    main()
