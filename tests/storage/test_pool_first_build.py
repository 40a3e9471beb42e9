"""A program's first pool: built once, in the background after start, and waited for.

A serving process builds the pools of the open programs in a background thread
(`PoolCache.build_open_programs`, which bot/cli.py runs once requests are answered). A
search that comes while a pool is being built waits for that build and makes no pool of
its own: a job or a round for as long as it takes, a listener (`waiting_at_most`) at most
its bound, then PoolNotReady. A build that fails is logged, and the next search builds the
pool. The people are read as plain rows, on SQLite in a transaction that takes no write lock.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot import matchmaking, mentorships
from bot.db.engine import make_engine
from bot.db.enums import EndReason, EnrollmentStatus, ExperienceLevel, ProgramStatus
from bot.db.models import Enrollment, Person, Program
from bot.matchmaking import PoolBuildFailed, PoolCache, PoolNotReady, load_people
from tests.pool_gate import Gate
from tests.storage import test_pool_cache
from tests.storage.test_pool_cache import MENTORS, NOW, TEAM, World

world = test_pool_cache.world  # the same program: Ana, Bea and three mentors
TOP = ["U0BEST", "U0NEXT"]  # Ana's suggestions in the world of test_pool_cache


def engine_of(world: World) -> Engine:
    bind = world.sessions.kw["bind"]
    assert isinstance(bind, Engine)
    return bind


def in_background(cache: PoolCache, world: World) -> tuple[threading.Thread, list[int]]:
    """The build a serving process starts once it answers requests."""
    built: list[int] = []
    thread = threading.Thread(
        target=lambda: built.append(cache.build_open_programs(engine_of(world), lambda: NOW))
    )
    thread.start()
    return thread, built


def until_waited_for(cache: PoolCache, program_id: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with cache._lock:
            build = cache._building.get(program_id)
            if build is not None and build.waiting:
                return
        time.sleep(0.01)
    raise AssertionError("nobody waited for the build")


def searching(cache: PoolCache, world: World) -> tuple[threading.Thread, list[list[str]]]:
    found: list[list[str]] = []
    thread = threading.Thread(target=lambda: found.append(world.top(cache)))
    thread.start()
    return thread, found


def test_the_open_programs_pools_are_built_in_the_background_without_a_search(
    world: World, gate: Gate
) -> None:
    with world.sessions() as session:
        closed = Program(team_id=TEAM, name="Last year", status=ProgramStatus.CLOSED)
        closed.created_by = "U0COORD"
        session.add(closed)
        session.commit()
        closed_id = closed.id
    gate.opened.set()
    cache = PoolCache()

    thread, built = in_background(cache, world)
    thread.join(30)

    assert built == [1]
    assert cache.ready(world.program_id) and not cache.ready(closed_id)
    times = cache.build_times(world.program_id)
    assert times is not None and times.mentors == 3
    assert world.top(cache) == TOP
    world.assert_current(cache)
    assert gate.made == 1  # the search used the pool built in the background


def test_a_search_while_the_pool_is_being_built_waits_for_that_build_and_makes_no_other(
    world: World, gate: Gate
) -> None:
    cache = PoolCache()
    builder, _ = in_background(cache, world)
    assert gate.entered.wait(30)

    search, found = searching(cache, world)
    search.join(0.3)
    assert search.is_alive()  # waiting for the build under way
    gate.opened.set()
    search.join(30)
    builder.join(30)

    assert found == [TOP]
    assert gate.made == 1


def test_a_listener_waits_at_most_its_bound_then_hears_the_pool_is_not_ready(
    world: World, gate: Gate
) -> None:
    cache = PoolCache()
    builder, _ = in_background(cache, world)
    assert gate.entered.wait(30)

    began = time.monotonic()
    with cache.waiting_at_most(0.2), pytest.raises(PoolNotReady):
        world.top(cache)
    waited = time.monotonic() - began
    gate.opened.set()
    builder.join(30)

    assert waited < 5
    with cache.waiting_at_most(0.2):
        assert world.top(cache) == TOP
    assert gate.made == 1


def test_a_listener_finding_no_build_starts_one_in_the_background_and_waits_for_it(
    world: World, gate: Gate
) -> None:
    gate.opened.set()
    cache = PoolCache()

    with cache.waiting_at_most(30):
        assert world.top(cache) == TOP
    assert gate.made == 1


def test_no_more_listeners_than_max_waiting_wait_for_one_build(world: World, gate: Gate) -> None:
    cache = PoolCache(max_waiting=1)
    builder, _ = in_background(cache, world)
    assert gate.entered.wait(30)
    first = threading.Thread(
        target=lambda: cache.wait_ready(engine_of(world), world.program_id, NOW, timeout=30)
    )
    first.start()
    until_waited_for(cache, world.program_id)

    began = time.monotonic()
    with pytest.raises(PoolNotReady):
        cache.wait_ready(engine_of(world), world.program_id, NOW, timeout=30)
    refused_in = time.monotonic() - began
    gate.opened.set()
    first.join(30)
    builder.join(30)

    assert refused_in < 5  # told at once, not after its 30 s
    assert gate.made == 1


def test_a_failed_build_is_logged_and_the_next_search_builds_the_pool(
    world: World, failing_gate: Gate, caplog: pytest.LogCaptureFixture
) -> None:
    gate = failing_gate
    gate.opened.set()
    cache = PoolCache()

    with caplog.at_level(logging.ERROR, logger="bot.matchmaking"):
        thread, built = in_background(cache, world)
        thread.join(30)

    assert built == [0]
    assert not cache.ready(world.program_id)
    [failure] = [r for r in caplog.records if r.name == "bot.matchmaking"]
    assert f"matching pool of program {world.program_id} failed" in failure.getMessage()
    assert failure.exc_info is not None
    assert world.top(cache) == TOP  # built here, lazily
    assert gate.made == 2


def test_a_listener_that_waited_for_a_failed_build_is_told_so_and_the_next_builds(
    world: World, failing_gate: Gate
) -> None:
    gate = failing_gate
    cache = PoolCache()
    builder, _ = in_background(cache, world)
    assert gate.entered.wait(30)
    told: list[BaseException] = []

    def listener() -> None:
        with cache.waiting_at_most(30):
            try:
                world.top(cache)
            except PoolBuildFailed as exc:
                told.append(exc)

    waiting = threading.Thread(target=listener)
    waiting.start()
    until_waited_for(cache, world.program_id)
    gate.opened.set()
    waiting.join(30)
    builder.join(30)

    assert len(told) == 1
    with cache.waiting_at_most(30):
        assert world.top(cache) == TOP
    assert gate.made == 2


def test_a_mentor_is_read_with_every_column_the_matcher_uses(world: World) -> None:
    with world.sessions() as session:
        best = session.get(Person, world.ids["U0BEST"])
        assert best is not None
        best.tz, best.org_team = "Asia/Tokyo", "Search"
        best.manager_slack_id = "U0BOSS"
        for user, manager in (("U0BOSS", "U0VP"), ("U0VP", "U0CEO")):
            session.add(Person(team_id=TEAM, slack_user_id=user, display_name=user))
            session.flush()
            session.execute(
                update(Person)
                .where(Person.team_id == TEAM, Person.slack_user_id == user)
                .values(manager_slack_id=manager)
            )
        enrollment = world.enrollment(session, "U0BEST")
        enrollment.status = EnrollmentStatus.PAUSED
        enrollment.capacity, enrollment.experience_level = 3, ExperienceLevel.STAFF
        enrollment.goals = "and to write more"
        program = session.get(Program, world.program_id)
        mentee = session.get(Person, world.ids["U0BEA"])
        assert program is not None and mentee is not None
        pair = mentorships.start(
            session, program, best, mentee, score=None, reasons=[], now=NOW, default_tz="UTC"
        )
        assert pair is not None
        assert mentorships.end(session, pair, reason=EndReason.COMPLETED, now=NOW)
        enrollment.active_mentee_count = 1
        session.commit()

        read = load_people(session, program, NOW).mentors[world.ids["U0BEST"]]

    assert (read.user_id, read.name, read.topics) == ("U0BEST", "U0BEST", frozenset({"NLP"}))
    assert read.text == f"{MENTORS['U0BEST'][1]} and to write more"
    assert read.utc_offset_minutes == 9 * 60  # Tokyo
    assert (read.team, read.manager_user_id) == ("Search", "U0BOSS")
    assert read.skip_level_managers == ("U0VP", "U0CEO")
    assert (read.paused, read.capacity_left, read.mentees_mentored) == (True, 2, 1)
    assert read.experience == ExperienceLevel.STAFF.rank


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_build_in_the_background_reads_without_holding_sqlite_s_write_lock(
    world: World, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reading, go_on = threading.Event(), threading.Event()
    real = matchmaking._load_people

    def held_open(session: Session, *args: Any) -> Any:
        found = real(session, *args)  # its transaction has begun and read
        reading.set()
        assert go_on.wait(30)
        return found

    monkeypatch.setattr(matchmaking, "_load_people", held_open)
    writer = make_engine(db_url)

    @event.listens_for(writer, "connect")
    def impatient(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout = 200")  # not 15 s: fail fast

    cache = PoolCache()
    builder, _ = in_background(cache, world)
    try:
        assert reading.wait(30)
        with Session(writer) as session:  # a pause committed while the build reads
            session.execute(
                update(Enrollment)
                .where(Enrollment.person_id == world.ids["U0BEST"])
                .values(status=EnrollmentStatus.PAUSED)
            )
            session.commit()
    finally:
        go_on.set()
        builder.join(30)
        writer.dispose()
    assert cache.ready(world.program_id)
