"""Programs (cohorts), their topic lists, and the settings coordinators change from
`/mentor topics` and `/mentor expiry` (each answered with a sentence decided here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import audit
from bot.db.enums import ProgramStatus
from bot.db.inserts import insert_if_absent
from bot.db.models import Program, Topic
from bot.profile import DEFAULT_TOPICS, TOPIC_LABEL_MAX
from bot.text_input import UnreadableText, clean_text, whole_number
from bot.views.cohorts import HOME_SHOWN, CohortLine, CohortPanel

DEFAULT_PROGRAM_NAME = "Mentorship program"
OPEN_STATUSES = (ProgramStatus.ENROLLING, ProgramStatus.ACTIVE)


def current_program(session: Session, team_id: str, now: datetime) -> Program:
    """The workspace's newest open program; the first call creates the default one.

    Several cohorts can run at once: this is only the default of the coordinators'
    commands given no cohort name (`/mentor topics`, `/mentor expiry`, `/mentor match`).
    Who joins which cohort is `open_cohorts`; a person's cohort is their enrollment's.
    """
    program = session.scalar(
        select(Program)
        .where(Program.team_id == team_id, Program.status.in_(OPEN_STATUSES))
        .order_by(Program.created_at.desc(), Program.id.desc())
        .limit(1)
    )
    if program is not None:
        return program
    # Two first requests may race here; the unique name makes one insert win.
    insert_if_absent(
        session,
        Program,
        {
            "team_id": team_id,
            "name": DEFAULT_PROGRAM_NAME,
            "status": ProgramStatus.ACTIVE,
            "created_by": "mentorbot",
            "created_at": now,
        },
        unique=["team_id", "name"],
    )
    program = session.scalar(
        select(Program).where(Program.team_id == team_id, Program.name == DEFAULT_PROGRAM_NAME)
    )
    assert program is not None
    for label in DEFAULT_TOPICS:
        insert_if_absent(
            session,
            Topic,
            {"program_id": program.id, "label": label},
            unique=["program_id", "label"],
        )
    session.flush()
    session.refresh(program)
    return program


def open_cohorts(session: Session, team_id: str, now: datetime) -> list[Program]:
    """The cohorts people may join now (open, with enrollment open), oldest first.

    A workspace with no cohort at all gets the default one, so the first `/mentor join`
    works before any coordinator has set anything up.
    """
    if session.scalar(select(Program.id).where(Program.team_id == team_id).limit(1)) is None:
        current_program(session, team_id, now)
    return list(
        session.scalars(
            select(Program)
            .where(
                Program.team_id == team_id,
                Program.status.in_(OPEN_STATUSES),
                Program.enrollment_open.is_(True),
            )
            .order_by(Program.created_at, Program.id)
        )
    )


def joinable(program: Program) -> bool:
    return program.status in OPEN_STATUSES and program.enrollment_open


def topic_labels(program: Program) -> list[str]:
    return [topic.label for topic in sorted(program.topics, key=lambda t: t.id)]


class ProgramSettingError(ValueError):
    """A program setting a coordinator cannot apply as typed; str(error) says why."""


class TopicError(ProgramSettingError):
    """A topic that cannot be added as typed."""


class ExpiryError(ProgramSettingError):
    """A request expiry that is not a whole number of days in range."""


def clean_topic(label: str) -> str:
    """A topic label as stored (spaces collapsed); TopicError when it cannot be one.

    The one statement of what a topic may be, for `/mentor topics add` and the cohort form.
    """
    try:
        cleaned = " ".join(clean_text(label).split())
    except UnreadableText as exc:
        raise TopicError(str(exc)) from None
    if not cleaned:
        raise TopicError("Give the topic a name, e.g. `/mentor topics add Speech recognition`.")
    if len(cleaned) > TOPIC_LABEL_MAX:
        raise TopicError(f"Topic names can be at most {TOPIC_LABEL_MAX} characters.")
    return cleaned


def add_topic(session: Session, program: Program, label: str) -> str:
    """Add a topic to the program's list; returns the label as stored."""
    cleaned = clean_topic(label)
    existing = {t.lower(): t for t in topic_labels(program)}
    if cleaned.lower() in existing:
        raise TopicError(f"*{existing[cleaned.lower()]}* is already on the list.")
    session.add(Topic(program_id=program.id, label=cleaned))
    session.flush()
    session.refresh(program)
    return cleaned


def program_named(session: Session, team_id: str, name: str) -> Program | None:
    """A cohort by name, ignoring case and surrounding spaces."""
    wanted = " ".join(name.split()).lower()
    for program in session.scalars(select(Program).where(Program.team_id == team_id)):
        if program.name.lower() == wanted:
            return program
    return None


def cohort_panel(session: Session, team_id: str) -> CohortPanel:
    """The cohorts section of a coordinator's Home: the first few, oldest first, and how
    many there are."""
    total = session.scalar(select(func.count(Program.id)).where(Program.team_id == team_id))
    rows = session.execute(
        select(Program.name, Program.enrollment_open)
        .where(Program.team_id == team_id)
        .order_by(Program.created_at, Program.id)
        .limit(HOME_SHOWN)
    ).all()
    return CohortPanel(tuple(CohortLine(name, open_) for name, open_ in rows), total or 0)


def program_names(session: Session, team_id: str) -> list[str]:
    return list(session.scalars(select(Program.name).where(Program.team_id == team_id)))


EXPIRY_DAYS = range(1, 15)


def set_request_expiry(program: Program, text: str) -> str:
    """Set how long a mentor has to answer a request, in whole days; returns the outcome."""
    days = whole_number(text)
    if days is None or days not in EXPIRY_DAYS:
        raise ExpiryError(
            f"Give a whole number of days from {EXPIRY_DAYS.start} to {EXPIRY_DAYS.stop - 1}, "
            "e.g. `/mentor expiry 3`."
        )
    program.request_expiry_hours = days * 24
    return f"Mentors now have {days} day(s) to answer a request in *{program.name}*."


# --- `/mentor topics` and `/mentor expiry` ------------------------------------------------

TOPICS_USAGE = "Try `/mentor topics` to list them or `/mentor topics add NAME`."


def topics_command(session: Session, team_id: str, text: str, now: datetime, *, actor: str) -> str:
    """List the current program's topics, or add one (`add NAME`, audited as `actor`'s);
    returns the answer.

    Raises TopicError when the topic cannot be added as typed.
    """
    program = current_program(session, team_id, now)
    words = text.split(maxsplit=1)
    if not words:
        listed = "\n".join(f"• {label}" for label in topic_labels(program))
        return f"Topics of *{program.name}*:\n{listed}\nAdd one with `/mentor topics add NAME`."
    if words[0].lower() != "add":
        return TOPICS_USAGE
    label = add_topic(session, program, words[1] if len(words) > 1 else "")
    _audit(session, program, actor, "program.topic_added", now, {"topic": label})
    return f"Added *{label}*. People see it in the join form from now on."


def expiry_command(session: Session, team_id: str, text: str, now: datetime, *, actor: str) -> str:
    """Show the current program's request expiry, or set it (`DAYS`, audited as `actor`'s);
    returns the answer.

    Raises ExpiryError when the days are not a whole number in range.
    """
    program = current_program(session, team_id, now)
    if text.strip():
        said = set_request_expiry(program, text)
        days = program.request_expiry_hours // 24
        _audit(session, program, actor, "program.expiry_set", now, {"days": days})
        return said
    days = program.request_expiry_hours / 24
    return (
        f"Mentors have {days:g} day(s) to answer a request in *{program.name}*. "
        "Change it with `/mentor expiry DAYS`."
    )


def _audit(
    session: Session,
    program: Program,
    actor: str,
    action: str,
    now: datetime,
    detail: dict[str, object],
) -> None:
    audit.record(
        session,
        team_id=program.team_id,
        actor=actor,
        action=action,
        subject_type="program",
        subject_id=program.id,
        now=now,
        detail=detail,
    )
