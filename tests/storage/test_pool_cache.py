"""Matching pools stay current by deltas, in this process and in another one.

After a profile edit, a pause, a resume, a leave or a slot taken or freed, the very next
suggestions reflect it: in the process that made the change, and in a second PoolCache
on the same database (another web process) once its check interval has passed. The
cached people then equal a fresh load, and no text model was refitted to get there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import mentorships, onboarding
from bot.db import pool_changes
from bot.db.enums import EndReason, EnrollmentRole, RequestStatus
from bot.db.models import Enrollment, Mentorship, MentorshipRequest, Person, Program
from bot.enrollment import save_profile, set_paused
from bot.matchmaking import PoolCache, load_people, suggest_in
from bot.people import SlackProfile, upsert_person
from bot.profile import Profile
from bot.programs import current_program

TEAM = "T0POOL"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
GOALS = "I want to build retrieval systems with large language models"
MENTORS = {
    "U0BEST": ("NLP", "I build retrieval systems with large language models every day"),
    "U0NEXT": ("NLP", "NLP research on language models and evaluation"),
    "U0FAR": ("Leadership", "I coach new managers of data teams"),
}


@dataclass
class Clock:
    """Monotonic seconds a test moves by hand (the caches' check interval)."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    sessions: sessionmaker[Session]
    program_id: int
    here: PoolCache  # the process that makes the changes
    there: PoolCache  # another web process on the same database
    clock: Clock
    ids: dict[str, int] = field(default_factory=dict)

    def top(self, cache: PoolCache, mentee: str = "U0ANA") -> list[str]:
        """The mentee's suggestions, as user ids, as /mentor find would rank them."""
        with self.sessions() as session:
            program = session.get(Program, self.program_id)
            assert program is not None
            people, pool = cache.get(session, program, NOW)
            page = suggest_in(
                program,
                people.mentees[self.ids[mentee]],
                pool,
                5,
                history=people.history,
                parted=people.parted,
            )
            return [item.user_id for item in page.items]

    def assert_current(self, cache: PoolCache) -> None:
        """The cache's people are what a fresh load reads, and its pool agrees."""
        with self.sessions() as session:
            program = session.get(Program, self.program_id)
            assert program is not None
            people, pool = cache.get(session, program, NOW)
            fresh = load_people(session, program, NOW)
        assert people == fresh
        for key, mentor in fresh.mentors.items():
            assert pool.mentors[pool.index[key]] == mentor
            assert bool(pool.available[pool.index[key]]) == mentor.available
        for key in set(pool.index) - set(fresh.mentors):  # left: a row never available
            assert not pool.available[pool.index[key]]

    def change(self, work: Callable[[Session], object]) -> None:
        with self.sessions() as session:
            work(session)
            session.commit()

    def enrollment(self, session: Session, user: str) -> Enrollment:
        found = session.scalar(
            select(Enrollment).where(
                Enrollment.program_id == self.program_id, Enrollment.person_id == self.ids[user]
            )
        )
        assert found is not None
        return found


def _enroll(
    session: Session, program: Program, user: str, role: EnrollmentRole, **kw: object
) -> int:
    person = upsert_person(session, TEAM, SlackProfile(user, display_name=user, tz="UTC"))
    profile = Profile(role=role, timezone="UTC", **kw)  # type: ignore[arg-type]
    save_profile(session, program=program, person=person, profile=profile, now=NOW)
    return person.id


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> Iterator[World]:
    clock = Clock()
    with session_factory() as session:
        program = current_program(session, TEAM, NOW)
        ids = {
            "U0ANA": _enroll(
                session, program, "U0ANA", EnrollmentRole.MENTEE, topics=("NLP",), goals=GOALS
            )
        }
        ids["U0BEA"] = _enroll(
            session, program, "U0BEA", EnrollmentRole.MENTEE, topics=("NLP",), goals=GOALS
        )
        for user, (topic, bio) in MENTORS.items():
            ids[user] = _enroll(
                session,
                program,
                user,
                EnrollmentRole.MENTOR,
                topics=(topic,),
                goals="",
                bio=bio,
                capacity=1,
            )
        session.commit()
        program_id = program.id
    yield World(
        session_factory,
        program_id,
        PoolCache(clock=clock),
        PoolCache(check_every=2.0, clock=clock),
        clock,
        ids,
    )


def both_see(world: World, expected: list[str]) -> None:
    """This process at once; the other after its check interval (not before)."""
    assert world.top(world.here) == expected
    world.assert_current(world.here)
    world.clock.now += 2.0
    assert world.top(world.there) == expected
    world.assert_current(world.there)


def warm(world: World) -> tuple[object, object]:
    assert world.top(world.here) == ["U0BEST", "U0NEXT"]
    assert world.top(world.there) == ["U0BEST", "U0NEXT"]
    with world.sessions() as session:
        program = session.get(Program, world.program_id)
        assert program is not None
        return (
            world.here.get(session, program, NOW)[1].text_model,
            world.there.get(session, program, NOW)[1].text_model,
        )


def models_of(world: World) -> tuple[object, object]:
    with world.sessions() as session:
        program = session.get(Program, world.program_id)
        assert program is not None
        return (
            world.here.get(session, program, NOW)[1].text_model,
            world.there.get(session, program, NOW)[1].text_model,
        )


def test_a_pause_and_a_resume_show_in_the_very_next_suggestions_everywhere(world: World) -> None:
    models = warm(world)
    world.change(lambda s: set_paused(s, world.enrollment(s, "U0BEST"), paused=True, now=NOW))
    both_see(world, ["U0NEXT"])
    world.change(lambda s: set_paused(s, world.enrollment(s, "U0BEST"), paused=False, now=NOW))
    both_see(world, ["U0BEST", "U0NEXT"])
    assert models_of(world) == models  # no text model refit for a pause


def test_the_other_process_serves_its_pool_until_its_check_interval_passes(world: World) -> None:
    warm(world)
    world.change(lambda s: set_paused(s, world.enrollment(s, "U0BEST"), paused=True, now=NOW))
    world.clock.now += 1.0
    assert world.top(world.there) == ["U0BEST", "U0NEXT"]  # within its 2 s: not looked yet
    world.clock.now += 1.0
    assert world.top(world.there) == ["U0NEXT"]


def test_a_slot_taken_and_freed_show_in_the_very_next_suggestions(world: World) -> None:
    models = warm(world)

    def pair(session: Session) -> None:
        mentor, mentee = (session.get(Person, world.ids[u]) for u in ("U0BEST", "U0BEA"))
        program = session.get(Program, world.program_id)
        assert program and mentor and mentee
        started = mentorships.start(
            session, program, mentor, mentee, score=None, reasons=[], now=NOW, default_tz="UTC"
        )
        assert started is not None

    world.change(pair)  # her one slot is taken
    both_see(world, ["U0NEXT"])

    def part(session: Session) -> None:
        pair = session.scalar(select(Mentorship).where(Mentorship.mentor_id == world.ids["U0BEST"]))
        assert pair is not None
        assert mentorships.end(session, pair, reason=EndReason.COMPLETED, now=NOW)

    world.change(part)
    both_see(world, ["U0BEST", "U0NEXT"])
    assert world.top(world.here, "U0BEA") == ["U0NEXT"]  # a pair that met is not proposed again
    assert models_of(world) == models


def test_a_profile_edit_re_encodes_that_mentor_only(world: World) -> None:
    models = warm(world)

    def edit(session: Session, user: str, topic: str, bio: str) -> None:
        program = session.get(Program, world.program_id)
        person = session.get(Person, world.ids[user])
        assert program and person
        profile = Profile(
            role=EnrollmentRole.MENTOR,
            topics=(topic,),
            goals="",
            bio=bio,
            capacity=1,
            timezone="UTC",
        )
        save_profile(session, program=program, person=person, profile=profile, now=NOW)

    # The best match now writes about something else; the next one about the goals.
    world.change(lambda s: edit(s, "U0BEST", "Leadership", "I coach new managers"))
    world.change(lambda s: edit(s, "U0NEXT", "NLP", "retrieval systems with large language models"))
    both_see(world, ["U0NEXT"])
    assert models_of(world) == models  # encoded with the fitted model, not refitted


def test_a_mentor_who_leaves_is_never_suggested_again(world: World) -> None:
    warm(world)
    world.change(lambda s: onboarding.leave(s, world.enrollment(s, "U0BEST"), now=NOW))
    both_see(world, ["U0NEXT"])


def test_a_request_waiting_on_a_mentor_is_counted_at_once(world: World) -> None:
    warm(world)

    def ask(session: Session) -> None:
        session.add(
            MentorshipRequest(
                team_id=TEAM,
                program_id=world.program_id,
                mentee_id=world.ids["U0BEA"],
                mentor_id=world.ids["U0BEST"],
                chain="c1",
                rank=1,
                status=RequestStatus.PENDING,
            )
        )

    world.change(ask)
    with world.sessions() as session:
        program = session.get(Program, world.program_id)
        assert program is not None
        people, _ = world.here.get(session, program, NOW)
    assert people.pending_asks[world.ids["U0BEST"]] == 1
    world.assert_current(world.here)


def test_a_change_nobody_matches_on_bumps_no_version(world: World) -> None:
    warm(world)
    with world.sessions() as session:
        before = pool_changes.version(session, world.program_id)
        world.enrollment(session, "U0ANA").waiting_since = NOW
        session.commit()
        assert pool_changes.version(session, world.program_id) == before


def test_a_rolled_back_change_bumps_no_version(world: World) -> None:
    warm(world)
    with world.sessions() as session:
        before = pool_changes.version(session, world.program_id)
        set_paused(session, world.enrollment(session, "U0BEST"), paused=True, now=NOW)
        session.rollback()
        assert pool_changes.version(session, world.program_id) == before
    assert world.top(world.here) == ["U0BEST", "U0NEXT"]


def test_a_change_to_the_whole_program_rebuilds_in_the_background_serving_the_old_pool(
    world: World,
) -> None:
    world.here = PoolCache(clock=world.clock, background_from=0)
    warm(world)
    with world.sessions() as session:  # the org chart: everyone's reporting lines may move
        best = session.get(Person, world.ids["U0BEST"])
        assert best is not None
        ana = session.get(Person, world.ids["U0ANA"])
        assert ana is not None
        ana.manager_slack_id = best.slack_user_id
        session.commit()
    served = world.top(world.here)  # the previous pool, while the new one is built
    assert served == ["U0BEST", "U0NEXT"]
    worker = world.here.rebuilding(world.program_id)
    if worker is not None:
        worker.join(timeout=30)
    assert world.top(world.here) == ["U0NEXT"]  # her manager is not proposed to her
    world.assert_current(world.here)
