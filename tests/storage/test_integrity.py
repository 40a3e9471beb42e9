"""Rules the database enforces itself, whatever code path writes the rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from bot.db.enums import (
    CheckInStatus,
    EnrollmentRole,
    FeedbackKind,
    MentorshipStatus,
    OutboxStatus,
)
from bot.db.models import (
    CheckIn,
    Enrollment,
    Feedback,
    Goal,
    Mentorship,
    OutboxMessage,
    Person,
    ProcessedEvent,
    Program,
    Topic,
)
from tests.storage import (
    OTHER_TEAM,
    TEAM,
    WHEN,
    add_enrollment,
    add_mentorship,
    add_person,
    add_program,
)


@contextmanager
def rejected(session: Session, constraint: str | None = None) -> Iterator[None]:
    """Expect the database to refuse what the block flushes; then roll back.

    `constraint` (a name from the naming convention) is checked where the
    dialect reports it: PostgreSQL always names it, SQLite names CHECKs only.
    """
    with pytest.raises(IntegrityError) as caught:
        yield
        session.flush()
    session.rollback()
    message = str(caught.value.orig)
    if constraint and (session.get_bind().dialect.name == "postgresql" or "CHECK" in message):
        assert constraint in message


@pytest.fixture
def pair(session: Session) -> tuple[Program, Person, Person]:
    program = add_program(session)
    return program, add_person(session), add_person(session)


# --- people -------------------------------------------------------------------


def test_a_person_is_unique_per_team(session: Session) -> None:
    add_person(session, slack_user_id="U123")
    session.commit()

    with rejected(session, "uq_people_team_id_slack_user_id"):
        session.add(Person(team_id=TEAM, slack_user_id="U123", display_name="again"))


def test_the_same_slack_user_id_may_exist_in_two_teams(session: Session) -> None:
    add_person(session, team_id=TEAM, slack_user_id="U123")
    add_person(session, team_id=OTHER_TEAM, slack_user_id="U123")
    session.commit()

    assert session.scalar(sa.select(sa.func.count()).select_from(Person)) == 2


# --- programs and enrollments ---------------------------------------------------


def test_program_names_are_unique_per_team(session: Session) -> None:
    add_program(session, name="Spring cohort")
    add_program(session, team_id=OTHER_TEAM, name="Spring cohort")
    session.commit()

    with rejected(session, "uq_programs_team_id_name"):
        add_program(session, name="Spring cohort")


def test_topic_labels_are_unique_per_program(session: Session) -> None:
    program = add_program(session)
    session.add(Topic(program_id=program.id, label="career growth"))
    session.commit()

    with rejected(session, "uq_topics_program_id_label"):
        session.add(Topic(program_id=program.id, label="career growth"))


def test_a_person_enrolls_once_per_program(session: Session) -> None:
    program, person = add_program(session), add_person(session)
    add_enrollment(session, program, person)
    session.commit()

    with rejected(session, "uq_enrollments_program_id_person_id"):
        add_enrollment(session, program, person, role=EnrollmentRole.MENTOR)


def test_capacity_is_between_0_and_5(session: Session) -> None:
    program, person = add_program(session), add_person(session)
    add_enrollment(session, program, person, role=EnrollmentRole.MENTOR, capacity=5)
    session.commit()

    with rejected(session, "ck_enrollments_capacity_range"):
        add_enrollment(session, program, add_person(session), capacity=6)


def test_mentors_wanted_is_between_1_and_3(session: Session) -> None:
    program = add_program(session)

    with rejected(session, "ck_enrollments_mentors_wanted_range"):
        add_enrollment(session, program, add_person(session), mentors_wanted=0)
    with rejected(session, "ck_enrollments_mentors_wanted_range"):
        add_enrollment(session, program, add_person(session), mentors_wanted=4)


def test_active_mentee_count_cannot_exceed_capacity(session: Session) -> None:
    program, mentor = add_program(session), add_person(session)
    enrollment = add_enrollment(session, program, mentor, role=EnrollmentRole.MENTOR, capacity=1)
    session.commit()
    take_slot = (
        sa.update(Enrollment)
        .where(Enrollment.id == enrollment.id)
        .values(active_mentee_count=Enrollment.active_mentee_count + 1)
    )

    session.execute(take_slot)  # the one slot
    session.commit()

    with rejected(session, "ck_enrollments_active_mentee_count_within_capacity"):
        session.execute(take_slot)


def test_capacity_cannot_drop_below_the_mentees_already_taken(session: Session) -> None:
    program, mentor = add_program(session), add_person(session)
    enrollment = add_enrollment(
        session, program, mentor, role=EnrollmentRole.MENTOR, capacity=2, active_mentee_count=2
    )
    session.commit()

    with rejected(session, "ck_enrollments_active_mentee_count_within_capacity"):
        enrollment.capacity = 1


def test_active_mentee_count_cannot_go_negative(session: Session) -> None:
    program, mentor = add_program(session), add_person(session)
    enrollment = add_enrollment(session, program, mentor, role=EnrollmentRole.MENTOR, capacity=1)
    session.commit()

    with rejected(session, "ck_enrollments_active_mentee_count_within_capacity"):
        session.execute(
            sa.update(Enrollment)
            .where(Enrollment.id == enrollment.id)
            .values(active_mentee_count=Enrollment.active_mentee_count - 1)
        )


# --- mentorships ----------------------------------------------------------------


def test_one_open_mentorship_per_pair(
    session: Session, pair: tuple[Program, Person, Person]
) -> None:
    program, mentor, mentee = pair
    add_mentorship(session, program, mentor, mentee)
    session.commit()

    with rejected(session, "uq_mentorships_open_pair"):
        add_mentorship(session, program, mentor, mentee)


def test_a_paused_mentorship_still_holds_the_pair(
    session: Session, pair: tuple[Program, Person, Person]
) -> None:
    program, mentor, mentee = pair
    add_mentorship(session, program, mentor, mentee, status=MentorshipStatus.PAUSED)
    session.commit()

    with rejected(session, "uq_mentorships_open_pair"):
        add_mentorship(session, program, mentor, mentee)


def test_an_ended_mentorship_lets_the_pair_match_again(
    session: Session, pair: tuple[Program, Person, Person]
) -> None:
    program, mentor, mentee = pair
    first = add_mentorship(session, program, mentor, mentee)
    session.commit()

    first.status = MentorshipStatus.ENDED
    first.ended_at = WHEN
    first.end_reason = "rematched"
    add_mentorship(session, program, mentor, mentee)
    session.commit()

    statuses = session.scalars(sa.select(Mentorship.status).order_by(Mentorship.id)).all()
    assert statuses == [MentorshipStatus.ENDED, MentorshipStatus.ACTIVE]


def test_a_person_cannot_mentor_themselves(session: Session) -> None:
    program, person = add_program(session), add_person(session)

    with rejected(session, "ck_mentorships_mentor_is_not_mentee"):
        add_mentorship(session, program, person, person)


def test_an_ended_mentorship_records_when(
    session: Session, pair: tuple[Program, Person, Person]
) -> None:
    program, mentor, mentee = pair

    with rejected(session, "ck_mentorships_ended_has_ended_at"):
        add_mentorship(session, program, mentor, mentee, status=MentorshipStatus.ENDED)


def test_a_person_with_mentorship_history_cannot_be_deleted(
    session: Session, pair: tuple[Program, Person, Person]
) -> None:
    program, mentor, mentee = pair
    add_mentorship(session, program, mentor, mentee)
    session.commit()

    with rejected(session, "fk_mentorships_mentor_id_people"):
        session.execute(sa.delete(Person).where(Person.id == mentor.id))


def test_deleting_a_mentorship_deletes_its_records(
    session: Session, pair: tuple[Program, Person, Person]
) -> None:
    program, mentor, mentee = pair
    mentorship = add_mentorship(session, program, mentor, mentee)
    session.add_all(
        [
            Goal(mentorship_id=mentorship.id, title="ship a talk"),
            CheckIn(mentorship_id=mentorship.id, period=1, due_at=WHEN),
            Feedback(mentorship_id=mentorship.id, author_id=mentee.id, kind=FeedbackKind.CLOSING),
        ]
    )
    session.commit()

    # Plain SQL, so it is the database (ON DELETE CASCADE) doing it, not the ORM.
    session.execute(sa.delete(Mentorship).where(Mentorship.id == mentorship.id))
    session.commit()

    for model in (Goal, CheckIn, Feedback):
        assert session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


# --- check-ins and feedback -------------------------------------------------------


def test_one_checkin_per_pair_per_period(
    session: Session, pair: tuple[Program, Person, Person]
) -> None:
    program, mentor, mentee = pair
    mentorship = add_mentorship(session, program, mentor, mentee)
    session.add(CheckIn(mentorship_id=mentorship.id, period=1, due_at=WHEN))
    session.add(CheckIn(mentorship_id=mentorship.id, period=2, due_at=WHEN + timedelta(14)))
    session.commit()

    with rejected(session, "uq_checkins_mentorship_id_period"):
        session.add(
            CheckIn(mentorship_id=mentorship.id, period=2, due_at=WHEN, status=CheckInStatus.MET)
        )


@pytest.mark.parametrize("rating", [0, 6])
def test_a_rating_is_between_1_and_5(
    session: Session, pair: tuple[Program, Person, Person], rating: int
) -> None:
    program, mentor, mentee = pair
    mentorship = add_mentorship(session, program, mentor, mentee)
    for fine in (1, 5, None):
        session.add(
            Feedback(
                mentorship_id=mentorship.id,
                author_id=mentee.id,
                rating=fine,
                kind=FeedbackKind.CHECKIN,
            )
        )
    session.commit()

    with rejected(session, "ck_feedback_rating_range"):
        session.add(
            Feedback(
                mentorship_id=mentorship.id,
                author_id=mentee.id,
                rating=rating,
                kind=FeedbackKind.CHECKIN,
            )
        )


# --- outbox and events ----------------------------------------------------------


def test_an_outbox_idempotency_key_is_used_once(session: Session) -> None:
    def message() -> OutboxMessage:
        return OutboxMessage(
            team_id=TEAM,
            idempotency_key="checkin-prompt:7:3",
            method="chat.postMessage",
            payload={"channel": "D1", "text": "How did it go?"},
        )

    session.add(message())
    session.commit()

    with rejected(session, "uq_outbox_messages_idempotency_key"):
        session.add(message())


def test_outbox_attempts_cannot_go_negative(session: Session) -> None:
    with rejected(session, "ck_outbox_messages_attempts_not_negative"):
        session.add(
            OutboxMessage(
                team_id=TEAM,
                idempotency_key="k",
                method="chat.postMessage",
                payload={},
                attempts=-1,
            )
        )


def test_a_slack_event_is_processed_once(session: Session) -> None:
    session.add(ProcessedEvent(event_id="Ev0A1B2C3D", team_id=TEAM))
    session.commit()

    # What a handler sees when Slack retries the event: skip it.
    with rejected(session, "pk_processed_events"):
        session.add(ProcessedEvent(event_id="Ev0A1B2C3D", team_id=TEAM))


def test_a_duplicate_caught_in_a_savepoint_leaves_the_transaction_usable(
    session: Session,
) -> None:
    # PostgreSQL aborts the whole transaction on an error unless it happened
    # inside a SAVEPOINT; SQLite savepoints work because make_engine issues BEGIN.
    session.add(ProcessedEvent(event_id="Ev1", team_id=TEAM))
    session.commit()

    add_person(session, slack_user_id="U_BEFORE")
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(ProcessedEvent(event_id="Ev1", team_id=TEAM))
    add_person(session, slack_user_id="U_AFTER")
    session.commit()

    users = session.scalars(sa.select(Person.slack_user_id).order_by(Person.id)).all()
    assert users == ["U_BEFORE", "U_AFTER"]


# --- foreign keys and enums -------------------------------------------------------


def test_foreign_keys_are_enforced(session: Session) -> None:
    # On SQLite too: make_engine turns PRAGMA foreign_keys on for every connection.
    program = add_program(session)
    session.commit()

    with rejected(session, "fk_enrollments_person_id_people"):
        session.add(Enrollment(program_id=program.id, person_id=999, role=EnrollmentRole.MENTEE))
    with rejected(session, "fk_topics_program_id_programs"):
        session.add(Topic(program_id=999, label="orphan"))


def test_the_database_rejects_a_value_outside_an_enum(
    session: Session, pair: tuple[Program, Person, Person]
) -> None:
    program, mentor, mentee = pair
    mentorship = add_mentorship(session, program, mentor, mentee)
    session.commit()

    # Raw SQL bypasses the ORM's own check (below): this is the CHECK constraint.
    with rejected(session, "ck_mentorships_status"):
        session.execute(
            sa.text("UPDATE mentorships SET status = 'archived' WHERE id = :id"),
            {"id": mentorship.id},
        )


def test_the_orm_rejects_a_string_outside_an_enum_before_sending_it(session: Session) -> None:
    with pytest.raises(StatementError, match="is not among the defined enum values"):
        session.execute(
            sa.insert(OutboxMessage).values(
                team_id=TEAM,
                idempotency_key="k",
                method="m",
                payload={},
                status="archived",
            )
        )
    session.rollback()


def test_enum_columns_store_the_value(session: Session) -> None:
    session.add(OutboxMessage(team_id=TEAM, idempotency_key="k", method="m", payload={}))
    session.commit()

    stored = session.scalar(sa.text("SELECT status FROM outbox_messages"))
    assert stored == OutboxStatus.PENDING.value == "pending"
