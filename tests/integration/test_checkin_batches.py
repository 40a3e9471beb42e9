"""The due-work job prompts due pairs a batch at a time (bot.checkins.prompt_due: one
claim for the batch, bulk reads, multi-row inserts); each pair in a batch gets what it
would have got alone.

Three pairs kicked off on Monday 4 March 2030 have their first check-in on Monday 18
March: Ben (Los Angeles) and Ana (Paris), Ana away until the 25th; Dan, whose Slack zone
is unknown (so the default zone, Tokyo here, is his), and Cara (Paris); Fay and Eve,
both in Paris. Paris moves to summer time on 31 March, between periods 1 and 2.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text, update

from bot import checkins, mentorships, outbox
from bot.db.enums import CheckInStatus, EnrollmentRole, OutboxStatus
from bot.db.models import CheckIn, Mentorship, OutboxMessage, Person
from bot.programs import current_program
from tests.integration import cast
from tests.integration.conftest import TEAM, Rig

ANA, BEN, CARA, DAN, EVE, FAY = (f"U0{n}0001" for n in ("ANA", "BEN", "CAR", "DAN", "EVE", "FAY"))
PARIS, LOS_ANGELES = "Europe/Paris", "America/Los_Angeles"
DEFAULT_TZ = "Asia/Tokyo"  # MENTORBOT_TIMEZONE, for whoever's zone is unknown
KICKOFF = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)  # a Monday
PARIS_TEN = datetime(2030, 3, 18, 9, 0, tzinfo=UTC)  # 10:00 in Paris on the check-in day
ANA_BACK = datetime(2030, 3, 25, 23, 0, tzinfo=UTC)  # the end of the 25th in Paris


def enroll_pairs(rig: Rig, pairs: list[tuple[str, str]], mentor_tz: dict[str, str]) -> list[int]:
    """Each (mentor, mentee) paired at KICKOFF; mentees in Paris. The pairs' ids."""
    for mentor in dict.fromkeys(m for m, _ in pairs):
        tz = mentor_tz.get(mentor, PARIS)
        cast.enroll(rig, mentor, EnrollmentRole.MENTOR, tz=tz, goals="", bio="Lead.")
    for _, mentee in pairs:
        cast.enroll(rig, mentee, EnrollmentRole.MENTEE, tz=PARIS, goals=f"Goals of {mentee}")
    ids = []
    with rig.runtime.deps.uow() as uow:
        people = {p.slack_user_id: p for p in uow.session.scalars(select(Person))}
        program = current_program(uow.session, TEAM, KICKOFF)
        for mentor, mentee in pairs:
            started = mentorships.start(
                uow.session,
                program,
                people[mentor],
                people[mentee],
                score=None,
                reasons=[],
                now=KICKOFF,
                default_tz=DEFAULT_TZ,
            )
            assert started is not None
            ids.append(started.id)
    rig.run_due(KICKOFF)  # intros out of the way
    rig.emulator.clear()
    return ids


def set_person(rig: Rig, user: str, **values: object) -> None:
    with rig.runtime.deps.sessions() as session:
        session.execute(update(Person).where(Person.slack_user_id == user).values(**values))
        session.commit()


def prompt_rows(rig: Rig) -> list[OutboxMessage]:
    """The queued check-in prompts (each key is held once by the database)."""
    return [m for m in rig.outbox() if m.idempotency_key.startswith("checkin-prompt:")]


def prompt_for(rig: Rig) -> dict[str, OutboxMessage]:
    """The queued prompts by the user they are for, when each is in one pair."""
    rows = prompt_rows(rig)
    found = {m.payload["channel"]: m for m in rows}
    assert len(found) == len(rows), "someone was prompted twice"
    return found


def next_checkin(rig: Rig, pair_id: int) -> datetime | None:
    with rig.runtime.deps.sessions() as session:
        pair = session.get(Mentorship, pair_id)
        assert pair is not None
        return pair.next_checkin_at


def test_a_batch_holds_the_snoozed_pair_and_prompts_each_other_person_in_their_own_hours(
    rig: Rig,
) -> None:
    held, unknown_zone, plain = enroll_pairs(
        rig, [(BEN, ANA), (DAN, CARA), (FAY, EVE)], {BEN: LOS_ANGELES}
    )
    set_person(rig, ANA, snoozed_until=ANA_BACK)
    set_person(rig, DAN, tz=None)

    with rig.runtime.deps.uow() as uow:
        batch = checkins.prompt_due(uow.session, PARIS_TEN, default_tz=DEFAULT_TZ)

    assert (batch.seen, batch.prompted) == (3, 2)
    assert batch.pairs == tuple(sorted((unknown_zone, plain)))
    queued = prompt_for(rig)
    assert sorted(queued) == sorted([CARA, DAN, EVE, FAY])  # nothing for Ana or Ben
    # Dan's 10:00 (Tokyo's) passed at 01:00 UTC; it is 18:00 there now: his next morning.
    assert queued[DAN].not_before == datetime(2030, 3, 19, 1, 0, tzinfo=UTC)
    for user in (CARA, EVE, FAY):
        assert queued[user].not_before == PARIS_TEN
    assert all(m.status is OutboxStatus.PENDING for m in queued.values())
    assert f"<@{CARA}>'s goals" in str(queued[DAN].payload["blocks"])
    assert "Goals of U0CAR0001" in str(queued[DAN].payload["blocks"])
    # Held until the first prompt time of either of them after Ana is back: hers, 10:00
    # in Paris on Tuesday the 26th; no period opened for them.
    assert next_checkin(rig, held) == datetime(2030, 3, 26, 9, 0, tzinfo=UTC)
    # Period 2 on Monday 1 April: the earlier prompt of each pair, Paris now on summer time.
    assert next_checkin(rig, unknown_zone) == datetime(2030, 4, 1, 1, 0, tzinfo=UTC)
    assert next_checkin(rig, plain) == datetime(2030, 4, 1, 8, 0, tzinfo=UTC)
    with rig.runtime.deps.sessions() as session:
        opened = session.execute(select(CheckIn.mentorship_id, CheckIn.period, CheckIn.status))
        assert sorted(opened) == [
            (unknown_zone, 1, CheckInStatus.PROMPTED),
            (plain, 1, CheckInStatus.PROMPTED),
        ]


def test_a_batch_run_again_for_the_same_instant_finds_nothing_and_queues_nothing(
    rig: Rig,
) -> None:
    enroll_pairs(rig, [(BEN, ANA), (FAY, EVE)], {BEN: LOS_ANGELES})
    with rig.runtime.deps.uow() as uow:
        first = checkins.prompt_due(uow.session, PARIS_TEN, default_tz=DEFAULT_TZ)
    with rig.runtime.deps.uow() as uow:
        again = checkins.prompt_due(uow.session, PARIS_TEN, default_tz=DEFAULT_TZ)

    assert (first.prompted, again.seen, again.prompted) == (2, 0, 0)
    assert len(prompt_rows(rig)) == 4


def test_batches_smaller_than_the_due_pairs_prompt_each_pair_once_in_turn(rig: Rig) -> None:
    ids = enroll_pairs(rig, [(BEN, ANA), (BEN, CARA), (FAY, EVE)], {BEN: LOS_ANGELES})
    seen = []
    while True:
        with rig.runtime.deps.uow() as uow:
            batch = checkins.prompt_due(uow.session, PARIS_TEN, default_tz=DEFAULT_TZ, limit=2)
        seen.append(batch.pairs)
        if batch.seen < 2:
            break

    assert sorted(p for pairs in seen for p in pairs) == sorted(ids)
    prompted = sorted(m.payload["channel"] for m in prompt_rows(rig))
    assert prompted == sorted([ANA, BEN, BEN, CARA, EVE, FAY])  # Ben once for each pair


def test_a_new_period_in_a_batch_closes_the_unanswered_one_and_withdraws_its_unsent_prompt(
    rig: Rig,
) -> None:
    late, other = enroll_pairs(rig, [(BEN, ANA), (FAY, EVE)], {BEN: LOS_ANGELES})
    with rig.runtime.deps.uow() as uow:
        checkins.prompt_due(uow.session, PARIS_TEN, default_tz=DEFAULT_TZ)
    # Ben's waits for 17:00 UTC; the bot is down until period 2 of both pairs is due.
    period_two = datetime(2030, 4, 1, 17, 0, tzinfo=UTC)
    with rig.runtime.deps.uow() as uow:
        batch = checkins.prompt_due(uow.session, period_two, default_tz=DEFAULT_TZ)

    assert batch.pairs == tuple(sorted((late, other)))
    with rig.runtime.deps.sessions() as session:
        periods = sorted(
            session.execute(select(CheckIn.mentorship_id, CheckIn.period, CheckIn.status))
        )
        keys = dict(
            session.execute(
                select(OutboxMessage.idempotency_key, OutboxMessage.status).where(
                    OutboxMessage.idempotency_key.like("checkin-prompt:%:1:%")
                )
            ).all()
        )
    assert periods == sorted(
        [
            (late, 1, CheckInStatus.MISSED),
            (late, 2, CheckInStatus.PROMPTED),
            (other, 1, CheckInStatus.MISSED),
            (other, 2, CheckInStatus.PROMPTED),
        ]
    )
    # Period 1's prompts never went out here (no delivery ran): all four are withdrawn.
    assert sorted(keys.values()) == [OutboxStatus.FAILED] * 4


def test_enqueueing_a_batch_again_adds_only_the_keys_not_queued_yet(rig: Rig) -> None:
    def message(key: str, text: str) -> outbox.Message:
        payload = {"channel": ANA, "text": text}
        return outbox.Message(TEAM, key, "chat.postMessage", payload, PARIS_TEN)

    with rig.runtime.deps.uow() as uow:
        first = outbox.enqueue_each(uow.session, [message("k:1", "one"), message("k:2", "two")])
    with rig.runtime.deps.uow() as uow:
        again = outbox.enqueue_each(uow.session, [message("k:2", "new"), message("k:3", "three")])

    assert (first, again) == (2, 1)
    assert [(m.idempotency_key, m.payload["text"]) for m in rig.outbox()] == [
        ("k:1", "one"),
        ("k:2", "two"),  # the first one queued under a key stays
        ("k:3", "three"),
    ]


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_two_ticks_racing_on_postgresql_claim_disjoint_batches(rig: Rig) -> None:
    ids = enroll_pairs(
        rig, [(BEN, ANA), (BEN, CARA), (FAY, EVE), (FAY, "U0GIA0001")], {BEN: LOS_ANGELES}
    )
    first, second = rig.runtime.deps.sessions(), rig.runtime.deps.sessions()
    try:
        # The first tick's batch stays locked (uncommitted) while the second one runs:
        # SKIP LOCKED hands the second the other pairs at once, not the same ones later.
        one = checkins.prompt_due(first, PARIS_TEN, default_tz=DEFAULT_TZ, limit=2)
        # Were the second to wait for the first's rows it would wait forever (the first
        # commits after it): fail instead.
        second.execute(text("SET LOCAL lock_timeout = '5s'"))
        two = checkins.prompt_due(second, PARIS_TEN, default_tz=DEFAULT_TZ, limit=2)
        second.commit()
        first.commit()
    finally:
        first.close()
        second.close()

    assert (one.prompted, two.prompted) == (2, 2)
    assert set(one.pairs).isdisjoint(two.pairs)
    assert sorted(one.pairs + two.pairs) == sorted(ids)
    prompted = sorted(m.payload["channel"] for m in prompt_rows(rig))
    assert prompted == sorted([ANA, BEN, BEN, CARA, EVE, FAY, FAY, "U0GIA0001"])
    with rig.runtime.deps.uow() as uow:
        assert checkins.prompt_due(uow.session, PARIS_TEN, default_tz=DEFAULT_TZ).seen == 0
