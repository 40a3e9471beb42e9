"""Rematch: either of a pair ends it at any time, with no reason; the other is told kindly,
the mentor's slot frees up, and the mentee gets fresh suggestions that leave that mentor out.

Switcher mentors Ana (both in Paris). Manager and Researcher are other mentors; Dan is a
second mentee. Everything goes through the real endpoint and the emulator.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import mentorships, rounds
from bot.db.enums import EnrollmentRole, MentorshipStatus, OutboxStatus
from bot.db.models import AuditEntry, Enrollment, Mentorship, OutboxMessage, Person, Program
from bot.emulator import validate_blocks, validate_view
from bot.programs import current_program
from bot.views.find import FindIds
from bot.views.rematch import RematchIds
from tests.integration.cast import enroll
from tests.integration.conftest import TEAM, Rig

ANA, DAN, CARA = "U0ANA0001", "U0DAN0001", "U0CAR0001"
SWITCHER, RESEARCHER, MANAGER = "U0SWI0001", "U0RES0001", "U0MAN0001"
ML = "Machine learning engineering"
LOS_ANGELES = "America/Los_Angeles"


@pytest.fixture(autouse=True)
def program(rig: Rig) -> None:
    goals = "I want to move from backend work into ML engineering."
    for mentee in (ANA, DAN, CARA):
        enroll(rig, mentee, EnrollmentRole.MENTEE, topics=(ML,), goals=goals)
    enroll(
        rig,
        SWITCHER,
        EnrollmentRole.MENTOR,
        topics=(ML, "Career change into AI"),
        goals="Help others make the switch.",
        bio="Moved from web development to ML, happy to help others do it.",
    )
    enroll(
        rig,
        MANAGER,
        EnrollmentRole.MENTOR,
        topics=("Leadership", ML),
        goals="Grow future leads.",
        bio="Leading data teams and hiring.",
    )
    enroll(
        rig,
        RESEARCHER,
        EnrollmentRole.MENTOR,
        topics=("Computer vision", "Research"),
        goals="Share research practice.",
        bio="Computer vision research on medical images.",
    )
    rig.run_due()
    rig.emulator.clear()


def pair(rig: Rig, mentor: str, mentee: str, now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    with rig.runtime.deps.uow() as uow:
        people = {p.slack_user_id: p for p in uow.session.scalars(select(Person))}
        program = current_program(uow.session, TEAM, now)
        started = mentorships.start(
            uow.session,
            program,
            people[mentor],
            people[mentee],
            score=None,
            reasons=[],
            now=now,
            default_tz="UTC",
        )
        assert started is not None
        pair_id = started.id
    rig.run_due(now)  # the intro, out of the way
    rig.emulator.clear()
    return pair_id


def pairs(rig: Rig) -> dict[int, Mentorship]:
    with rig.runtime.deps.sessions() as session:
        return {m.id: m for m in session.scalars(select(Mentorship))}


def slots_taken(rig: Rig, mentor: str) -> int:
    with rig.runtime.deps.sessions() as session:
        return session.scalar(
            select(Enrollment.active_mentee_count)
            .join(Person, Person.id == Enrollment.person_id)
            .where(Person.slack_user_id == mentor)
        )


def person_id(rig: Rig, user: str) -> int:
    with rig.runtime.deps.sessions() as session:
        return session.scalar(select(Person.id).where(Person.slack_user_id == user))


def audits(rig: Rig, prefix: str) -> list[AuditEntry]:
    with rig.runtime.deps.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action.like(prefix + "%"))))


def confirmation(rig: Rig, user: str) -> dict[str, Any]:
    """`user` types `/mentor rematch`: the confirmation modal that opens."""
    answer = rig.slack.slash_command(user, "rematch")
    assert answer.status == 200
    rig.settle()
    view = rig.emulator.top_view(user)
    assert view is not None and view["callback_id"] == RematchIds.CONFIRM_CALLBACK
    assert validate_view(view) == []
    return view


def confirm(rig: Rig, user: str, view: dict[str, Any] | None = None, **values: Any) -> None:
    """Submit the confirmation: it closes at once, the answer comes by DM."""
    answer = rig.slack.view_submission(user, view=view, values=values or None)
    assert answer.status == 200 and not answer.text.strip()
    rig.settle()


def said(rig: Rig, user: str, words: str) -> list[str]:
    """The DMs to `user` (texts and blocks) that contain `words`."""
    return [str(m) for m in dms(rig, user) if words in str(m)]


def dms(rig: Rig, user: str) -> list[dict[str, Any]]:
    """What reached `user` by DM (delivered by the outbox)."""
    return [
        call.args
        for call in rig.emulator.calls("chat.postMessage")
        if call.ok and call.args["channel"] == user
    ]


def suggested(message: dict[str, Any]) -> list[str]:
    ids = []
    for block in message["blocks"]:
        if block.get("block_id", "").startswith(RematchIds.CARD_PREFIX):
            text = block["text"]["text"]
            ids.append(text[text.index("<@") + 2 : text.index(">")])
    return ids


def deliver_all(rig: Rig) -> None:
    """Run the due work far enough ahead that every DM is inside its reader's hours."""
    rig.run_due(datetime.now(UTC) + timedelta(days=4))


def at_once(*actions: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = actions[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


# --- ending it ----------------------------------------------------------------------------


def test_a_mentee_with_one_mentor_ends_it_by_command_and_both_are_treated_kindly(
    rig: Rig,
) -> None:
    pair_id = pair(rig, SWITCHER, ANA)
    assert slots_taken(rig, SWITCHER) == 1

    view = confirmation(rig, ANA)
    assert f"End your mentorship with <@{SWITCHER}>" in str(view["blocks"])
    assert "No explanation needed" in str(view["blocks"])
    confirm(rig, ANA)
    rig.run_due()

    ended = pairs(rig)[pair_id]
    assert (ended.status, ended.end_reason) == (MentorshipStatus.ENDED, "rematched")
    assert ended.next_checkin_at is None
    assert slots_taken(rig, SWITCHER) == 0  # the slot is free again
    [offer] = dms(rig, ANA)  # the answer to her own click: at once
    assert validate_blocks(offer["blocks"], surface="message") == []
    assert f"Done: your mentorship with <@{SWITCHER}> has ended" in str(offer["blocks"])
    assert MANAGER in suggested(offer) and SWITCHER not in suggested(offer)
    assert FindIds.FIND_AGAIN in str(offer["blocks"])
    deliver_all(rig)
    [told] = dms(rig, SWITCHER)
    assert f"<@{ANA}> asked to be matched with someone new" in told["text"]
    assert "People's needs change" in told["text"]
    [record] = audits(rig, "rematch.ended")
    assert (record.actor_slack_id, record.detail["by"]) == (ANA, "mentee")


def test_a_mentor_with_two_mentees_chooses_which_pair_to_end(rig: Rig) -> None:
    with_ana = pair(rig, SWITCHER, ANA)
    with_dan = pair(rig, SWITCHER, DAN)

    view = confirmation(rig, SWITCHER)
    [select_block] = [b for b in view["blocks"] if b.get("block_id") == RematchIds.WHO_BLOCK]
    options = select_block["element"]["options"]
    assert [o["text"]["text"] for o in options] == ["Ana (your mentee)", "Dan (your mentee)"]
    confirm(rig, SWITCHER, **{RematchIds.WHO_BLOCK: {RematchIds.WHO_ACTION: str(with_ana)}})
    rig.run_due()

    [done] = dms(rig, SWITCHER)  # the answer to his click: at once
    assert f"Your mentorship with <@{ANA}> has ended" in done["text"]
    assert "Your slot is free again" in done["text"]
    assert dms(rig, ANA) == []  # news for her waits for her working hours
    deliver_all(rig)
    assert pairs(rig)[with_ana].status is MentorshipStatus.ENDED
    assert pairs(rig)[with_dan].status is MentorshipStatus.ACTIVE
    assert slots_taken(rig, SWITCHER) == 1
    [offer] = dms(rig, ANA)  # told kindly, with fresh suggestions, in her working hours
    assert validate_blocks(offer["blocks"], surface="message") == []
    said = str(offer["blocks"])
    assert f"<@{SWITCHER}> asked for a rematch" in said and "it isn't about you" in said
    assert suggested(offer) and SWITCHER not in suggested(offer)
    assert dms(rig, DAN) == [] and len(dms(rig, SWITCHER)) == 1


def test_the_home_shows_a_rematch_button_beside_each_pair_and_it_confirms_that_pair(
    rig: Rig,
) -> None:
    pair_id = pair(rig, SWITCHER, ANA)
    rig.slack.app_home_opened(ANA)
    rig.wait_queued(len(rig.outbox()))
    rig.run_due()
    home = rig.emulator.home_view(ANA)
    assert home is not None and validate_view(home) == []
    [line] = [
        b for b in home["blocks"] if b.get("block_id") == f"{RematchIds.HOME_PREFIX}{pair_id}"
    ]
    assert line["accessory"]["action_id"] == RematchIds.HOME
    assert f"<@{SWITCHER}>, your mentor" in line["text"]["text"]

    rig.slack.block_action(ANA, RematchIds.HOME)
    rig.settle()
    view = rig.emulator.top_view(ANA)
    assert view["callback_id"] == RematchIds.CONFIRM_CALLBACK
    confirm(rig, ANA)
    rig.run_due()

    assert pairs(rig)[pair_id].status is MentorshipStatus.ENDED
    home = rig.emulator.home_view(ANA)  # republished without the pair
    assert RematchIds.HOME not in str(home["blocks"])


@pytest.mark.parametrize("repeats_allowed", [False, True], ids=["no-repeats", "repeats-allowed"])
def test_the_old_mentor_is_never_suggested_to_that_mentee_again(
    rig: Rig, repeats_allowed: bool
) -> None:
    with rig.runtime.deps.uow() as uow:
        program = uow.session.scalar(select(Program))
        program.allow_repeat_pairs = repeats_allowed
    pair(rig, SWITCHER, ANA)
    confirm(rig, ANA, confirmation(rig, ANA))
    rig.run_due()

    [offer] = dms(rig, ANA)
    assert SWITCHER not in suggested(offer)
    rig.slack.block_action(ANA, FindIds.FIND_AGAIN, message=rig.emulator.messages_for(ANA)[-1])
    [filled] = rig.emulator.wait_for("views.update")
    shown = str(filled.args["view"]["blocks"])
    assert f"<@{MANAGER}>" in shown and f"<@{SWITCHER}>" not in shown
    # A forged pick of him is refused, whatever the program allows.
    rig.slack.block_action(ANA, FindIds.CHOOSE, value=str(person_id(rig, SWITCHER)))
    rig.settle()
    assert [a.detail["why"] for a in audits(rig, "refused.find")] == [
        "a pick this mentee parted from by a rematch"
    ]
    # Nor does a coordinators' round pair them again.
    with rig.runtime.deps.sessions() as session:
        program = session.scalar(select(Program))
        proposed = rounds.solve(session, rig.runtime.deps.pools, program, datetime.now(UTC))
    ana, switcher = person_id(rig, ANA), person_id(rig, SWITCHER)
    assert (ana, switcher) not in {(p.mentee_key, p.mentor_key) for p in proposed.pairs}


# --- once, and only for the pair's own ----------------------------------------------------


def test_both_confirming_at_once_end_the_pair_once_and_the_second_is_told_kindly(
    rig: Rig,
) -> None:
    pair_id = pair(rig, SWITCHER, ANA)
    hers, his = confirmation(rig, ANA), confirmation(rig, SWITCHER)

    at_once(lambda: confirm(rig, ANA, hers), lambda: confirm(rig, SWITCHER, his))
    confirm(rig, ANA, hers)  # a second click on the same confirmation
    deliver_all(rig)

    assert pairs(rig)[pair_id].status is MentorshipStatus.ENDED
    assert slots_taken(rig, SWITCHER) == 0
    [ended] = audits(rig, "rematch.ended")
    # One of the two ended it; the other, and the second click, heard it already had.
    already = said(rig, ANA, "already ended") + said(rig, SWITCHER, "already ended")
    assert len(already) == 2
    assert len(said(rig, ANA, "fit your goals")) == 1  # one offer of fresh suggestions
    assert len(said(rig, SWITCHER, "has ended")) == 1  # told, or answered: once
    assert ended.actor_slack_id in (ANA, SWITCHER)


def test_a_forged_rematch_for_someone_elses_pair_is_refused_and_changes_nothing(
    rig: Rig,
) -> None:
    pair_id = pair(rig, SWITCHER, ANA)
    hers = confirmation(rig, ANA)

    # Cara clicks a Rematch button carrying Ana's pair, then submits Ana's confirmation,
    # then one naming a pair that does not exist.
    button = {
        "type": "message",
        "ts": "1.000100",
        "blocks": [
            {
                "type": "actions",
                "block_id": "forged",
                "elements": [
                    {
                        "type": "button",
                        "action_id": RematchIds.HOME,
                        "text": {"type": "plain_text", "text": "Rematch"},
                        "value": str(pair_id),
                    }
                ],
            }
        ],
    }
    rig.slack.block_action(CARA, RematchIds.HOME, message=button)
    rig.settle()
    notice = rig.emulator.top_view(CARA)
    assert notice["callback_id"] == RematchIds.NOTICE_CALLBACK
    assert "isn't one of your mentorships" in str(notice["blocks"])
    confirm(rig, CARA, hers)
    confirm(rig, CARA, {**hers, "private_metadata": '{"pair": 99999999}'})
    deliver_all(rig)

    assert len(said(rig, CARA, "isn't one of your mentorships")) == 2
    assert len(said(rig, CARA, "Nothing was changed")) == 2
    assert pairs(rig)[pair_id].status is MentorshipStatus.ACTIVE
    assert slots_taken(rig, SWITCHER) == 1
    assert dms(rig, ANA) == [] and dms(rig, SWITCHER) == []
    assert sorted(a.action for a in audits(rig, "refused.rematch")) == [
        "refused.rematch.confirm",
        "refused.rematch.confirm",
        "refused.rematch.open",
    ]
    with rig.runtime.deps.sessions() as session:
        offers = session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key.like("rematch-%"))
        ).all()
    assert offers == []


def test_a_check_in_prompt_not_yet_sent_is_withdrawn_when_the_pair_ends(rig: Rig) -> None:
    far = "U0FAR0001"  # Los Angeles: their working hours and Ana's never overlap
    enroll(rig, far, EnrollmentRole.MENTOR, topics=(ML,), bio="ML lead.", tz=LOS_ANGELES)
    now = datetime.now(UTC)
    pair(rig, far, ANA, now - timedelta(days=20))
    rig.run_due(now)  # period 1 opens; whoever is off work has their prompt waiting
    waiting = {m.payload["channel"] for m in rig.outbox() if m.status is OutboxStatus.PENDING}
    assert waiting & {far, ANA}

    confirm(rig, ANA, confirmation(rig, ANA))
    deliver_all(rig)

    for user in waiting & {far, ANA}:
        assert not [m for m in dms(rig, user) if "check-in time" in m["text"].lower()]


def test_someone_with_no_pair_is_told_there_is_nothing_to_rematch(rig: Rig) -> None:
    answer = rig.slack.slash_command(CARA, "rematch")

    assert "don't have a mentorship to rematch" in answer.json["text"]
    assert rig.emulator.calls("views.open") == []
