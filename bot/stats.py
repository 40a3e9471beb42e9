"""Program health for coordinators: the numbers, the chart and the CSV export of pairs.

Every number is a SQL aggregate (GROUP BY cohort, COUNT ... FILTER, SUM, MIN); Python
never loops over participants, pairs or check-ins. Six grouped queries serve every cohort
of a workspace at once; "all cohorts" adds the cohorts' aggregates up (bot.views.stats).

What each number means, precisely:
- mentors / mentees: enrollments not left, by role ("both" counts in each); mentor slots
  used: their `active_mentee_count` of their `capacity` (active and paused pairs hold one).
- matched: mentees in an active or paused pair of the cohort. waiting: mentees whose
  enrollment is active, with no such pair, who are on the waiting list (`waiting_since`)
  or were never paired in the cohort (a mentee whose pair ended is not counted as
  waiting unless they asked again and nobody fitted); the longest wait is counted from
  `waiting_since`, or from joining for one never paired and not on the list.
- met in the last period: active pairs with a meeting logged (a MET check-in) whose day
  (`met_on`) falls within one period of their own cadence before today, today included:
  after today minus one week, two weeks or one calendar month. "Today" is the date in
  MENTORBOT_TIMEZONE, the program's clock (`met_on` is the day as the one who logged it
  gave it).
- at risk: active pairs whose run of check-in periods without a meeting (bot.at_risk:
  missed or skipped since the last logged meeting; the period under way does not count)
  is two or more, the point where bot.followups sends its kind follow-up. Snoozes are not
  minded here, as on the Home's list. "On the at-risk list": open pairs flagged at three
  (`at_risk_since`), the ones the Home lists by name.
- usefulness: the average of the ratings given with logged meetings; thanks: check-ins
  whose thank-you note is not empty; goals: the cohort's pairs' goals by status;
  requests: sent = asked of a mentor (`asked_at` set: a later choice never asked is not
  sent), and those accepted, declined and expired.

The chart (requested from the Home or `/mentor stats chart`) plots meetings per week (or
per month over more than 26 weeks) by `met_on`, and matched vs waiting over time. The
database keeps no history of waiting (`waiting_since` is only the current wait), so the
chart estimates it: matched at the end of a period = pairs started by then and not yet
ended (`started_at`, `ended_at`); waiting = mentees enrolled by then and not yet left
(`joined_at`, `left_at`) less that. A mentee with two mentors counts twice as matched.
Each series is a cumulative SUM(...) OVER (ORDER BY period) of start/end events in SQL.

Chart and export reach the coordinator's DM as files through the outbox. Both check the
right on the server for every request (a Home button can be forged by anyone), refuse a
member politely (a DM, `refused.stats.*` in the audit log) and audit what they sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import (
    Date,
    Integer,
    Select,
    case,
    cast,
    distinct,
    extract,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from bot import at_risk, audit, keys
from bot.config import Settings
from bot.coordinators import is_coordinator
from bot.db.enums import (
    OPEN_MENTORSHIP_STATUSES,
    Cadence,
    CheckInStatus,
    EnrollmentRole,
    EnrollmentStatus,
    GoalStatus,
    MentorshipStatus,
    RequestStatus,
)
from bot.db.models import (
    CheckIn,
    Enrollment,
    Goal,
    Mentorship,
    MentorshipRequest,
    Person,
    Program,
)
from bot.keys import Kind
from bot.notices import file_dm, notify, refuse
from bot.programs import program_named, program_names
from bot.text_input import row_id
from bot.views.stats import (
    ALL,
    COHORT_GONE,
    COORDINATORS_ONLY,
    Health,
    PairRow,
    ProgramHealth,
    chart_comment,
    export_comment,
    overall,
    pairs_csv,
)
from bot.views.stats_chart import ChartSeries

# Periods in a row without a meeting that make a pair "at risk" in the numbers: where the
# follow-up DM goes out (bot.followups.FOLLOW_UP_AFTER; a test keeps the two equal).
AT_RISK_AFTER = 2
LOOKBACK = {
    Cadence.WEEKLY: relativedelta(weeks=1),
    Cadence.BIWEEKLY: relativedelta(weeks=2),
    Cadence.MONTHLY: relativedelta(months=1),
}
WEEKS_AT_MOST = 26  # a longer span is charted per month
MONTHS_AT_MOST = 36  # and the chart shows the last three years at most
ALL_COHORTS = "All cohorts"
_MENTOR_ROLES = (EnrollmentRole.MENTOR, EnrollmentRole.BOTH)
_MENTEE_ROLES = (EnrollmentRole.MENTEE, EnrollmentRole.BOTH)


def today_of(settings: Settings, now: datetime) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()


# --- the numbers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a stats request is about: one cohort, or every cohort of the workspace."""

    team_id: str
    program_id: int | None = None  # None: every cohort

    def programs(self) -> Select[tuple[int]]:
        query = select(Program.id).where(Program.team_id == self.team_id)
        if self.program_id is not None:
            query = query.where(Program.id == self.program_id)
        return query


def without_jit(session: Session) -> None:
    """PostgreSQL compiles a plan to machine code (JIT) when its estimated cost is high, as
    these aggregates' are; for queries of a few hundred milliseconds compiling costs more
    than it saves (about 150 ms of 350 at 20,000 pairs: bench/stats.py). For this
    transaction only."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def program_health(session: Session, scope: Scope, *, today: date, now: datetime) -> ProgramHealth:
    """The cohorts' numbers (newest cohort first) and all of them together."""
    without_jit(session)
    programs = session.execute(
        select(Program.id, Program.name, Program.starts_on, Program.ends_on)
        .where(Program.id.in_(scope.programs()))
        .order_by(Program.created_at.desc(), Program.id.desc())
    ).all()
    numbers: dict[int, dict[str, Any]] = {p.id: {} for p in programs}
    ids = scope.programs()
    for query in (
        _enrollment_numbers(ids),
        _pair_numbers(ids),
        _checkin_numbers(ids, today),
        _at_risk_numbers(ids),
        _goal_numbers(ids),
        _request_numbers(ids),
    ):
        for row in session.execute(query).mappings():
            values = dict(row)
            numbers[values.pop("program_id")].update(
                {k: v if v is not None or k == "waiting_since" else 0 for k, v in values.items()}
            )
    cohorts = tuple(
        Health(
            program_id=p.id, name=p.name, starts_on=p.starts_on, ends_on=p.ends_on, **numbers[p.id]
        )
        for p in programs
    )
    return ProgramHealth(overall=overall(cohorts), cohorts=cohorts, now=now)


def _enrollment_numbers(programs: Select[tuple[int]]) -> Select[Any]:
    e = Enrollment
    open_pair = Mentorship.status.in_(OPEN_MENTORSHIP_STATUSES)
    pairs = (
        select(
            Mentorship.program_id,
            Mentorship.mentee_id,
            func.count().filter(open_pair).label("open"),
        )
        .where(Mentorship.program_id.in_(programs))
        .group_by(Mentorship.program_id, Mentorship.mentee_id)
        .subquery()
    )
    mentor = e.role.in_(_MENTOR_ROLES) & (e.status != EnrollmentStatus.LEFT)
    mentee = e.role.in_(_MENTEE_ROLES) & (e.status != EnrollmentStatus.LEFT)
    matched = mentee & (pairs.c.open > 0)
    never_paired = pairs.c.mentee_id.is_(None)
    waiting = (
        mentee
        & (e.status == EnrollmentStatus.ACTIVE)
        & (func.coalesce(pairs.c.open, 0) == 0)
        & (e.waiting_since.is_not(None) | never_paired)
    )
    return (
        select(
            e.program_id.label("program_id"),
            func.count().filter(mentor).label("mentors"),
            func.count().filter(mentee).label("mentees"),
            func.sum(e.capacity).filter(mentor).label("slots"),
            func.sum(e.active_mentee_count).filter(mentor).label("slots_used"),
            func.count().filter(matched).label("matched"),
            func.count().filter(waiting).label("waiting"),
            func.min(func.coalesce(e.waiting_since, e.joined_at))
            .filter(waiting)
            .label("waiting_since"),
        )
        .outerjoin(pairs, (pairs.c.program_id == e.program_id) & (pairs.c.mentee_id == e.person_id))
        .where(e.program_id.in_(programs))
        .group_by(e.program_id)
    )


def _pair_numbers(programs: Select[tuple[int]]) -> Select[Any]:
    m = Mentorship
    return (
        select(
            m.program_id.label("program_id"),
            func.count().filter(m.status == MentorshipStatus.ACTIVE).label("running"),
            func.count().filter(m.status == MentorshipStatus.PAUSED).label("paused"),
            func.count()
            .filter(m.status.in_(OPEN_MENTORSHIP_STATUSES) & m.at_risk_since.is_not(None))
            .label("flagged"),
        )
        .where(m.program_id.in_(programs))
        .group_by(m.program_id)
    )


def last_period_starts(today: date) -> ColumnElement[date]:
    """The day after which a meeting counts as "in the pair's last period", by cadence."""
    return case(
        *((Mentorship.cadence == cadence, today - back) for cadence, back in LOOKBACK.items()),
        else_=today - LOOKBACK[Cadence.MONTHLY],
    )


def _checkin_numbers(programs: Select[tuple[int]], today: date) -> Select[Any]:
    met = CheckIn.status == CheckInStatus.MET
    recent = (
        met
        & (Mentorship.status == MentorshipStatus.ACTIVE)
        & (CheckIn.met_on > last_period_starts(today))
    )
    return (
        select(
            Mentorship.program_id.label("program_id"),
            func.count().filter(met).label("meetings"),
            func.count(CheckIn.usefulness).filter(met).label("ratings"),
            func.sum(CheckIn.usefulness).filter(met).label("rating_total"),
            func.count()
            .filter(CheckIn.thanks.is_not(None) & (CheckIn.thanks != ""))
            .label("thanks"),
            func.count(distinct(case((recent, CheckIn.mentorship_id)))).label("met_last_period"),
        )
        .join(Mentorship, Mentorship.id == CheckIn.mentorship_id)
        .where(Mentorship.program_id.in_(programs))
        .group_by(Mentorship.program_id)
    )


def _at_risk_numbers(programs: Select[tuple[int]]) -> Select[Any]:
    return (
        select(Mentorship.program_id.label("program_id"), func.count().label("at_risk"))
        .where(
            Mentorship.program_id.in_(programs),
            Mentorship.status == MentorshipStatus.ACTIVE,
            at_risk.run_length(Mentorship.id) >= AT_RISK_AFTER,
        )
        .group_by(Mentorship.program_id)
    )


def _goal_numbers(programs: Select[tuple[int]]) -> Select[Any]:
    def of(status: GoalStatus) -> Any:
        return func.count().filter(Goal.status == status).label(f"goals_{status.value}")

    return (
        select(Mentorship.program_id.label("program_id"), *(of(status) for status in GoalStatus))
        .join(Mentorship, Mentorship.id == Goal.mentorship_id)
        .where(Mentorship.program_id.in_(programs))
        .group_by(Mentorship.program_id)
    )


def _request_numbers(programs: Select[tuple[int]]) -> Select[Any]:
    r = MentorshipRequest
    return (
        select(
            r.program_id.label("program_id"),
            func.count().filter(r.asked_at.is_not(None)).label("requests_sent"),
            func.count().filter(r.status == RequestStatus.ACCEPTED).label("requests_accepted"),
            func.count().filter(r.status == RequestStatus.DECLINED).label("requests_declined"),
            func.count().filter(r.status == RequestStatus.EXPIRED).label("requests_expired"),
        )
        .where(r.program_id.in_(programs))
        .group_by(r.program_id)
    )


def home_health(session: Session, settings: Settings, team_id: str, now: datetime) -> ProgramHealth:
    """The coordinator's App Home section: every cohort of the workspace."""
    return program_health(session, Scope(team_id), today=today_of(settings, now), now=now)


# --- the export -----------------------------------------------------------------------------


def pair_rows(session: Session, scope: Scope) -> list[PairRow]:
    """Every pair of the cohort(s), oldest first, with its health from grouped queries."""
    without_jit(session)
    pairs = select(Mentorship.id).where(Mentorship.program_id.in_(scope.programs()))
    met = CheckIn.status == CheckInStatus.MET
    logs = (
        select(
            CheckIn.mentorship_id.label("pair"),
            func.count().filter(met).label("meetings"),
            func.max(CheckIn.met_on).filter(met).label("last_met"),
            func.avg(CheckIn.usefulness).filter(met).label("rating"),
        )
        .where(CheckIn.mentorship_id.in_(pairs))
        .group_by(CheckIn.mentorship_id)
        .subquery()
    )
    goals = (
        select(
            Goal.mentorship_id.label("pair"),
            func.count().filter(Goal.status == GoalStatus.DONE).label("done"),
            func.count().label("goals"),
        )
        .where(Goal.mentorship_id.in_(pairs))
        .group_by(Goal.mentorship_id)
        .subquery()
    )
    mentor, mentee = aliased(Person), aliased(Person)
    periods = at_risk.run_length(Mentorship.id)
    rows = session.execute(
        select(
            Program.name,
            mentor.display_name,
            mentor.slack_user_id,
            mentee.display_name,
            mentee.slack_user_id,
            Mentorship.status,
            Mentorship.cadence,
            Mentorship.started_at,
            Mentorship.ended_at,
            func.coalesce(logs.c.meetings, 0),
            logs.c.last_met,
            logs.c.rating,
            func.coalesce(goals.c.done, 0),
            func.coalesce(goals.c.goals, 0),
            periods,
            (Mentorship.status == MentorshipStatus.ACTIVE) & (periods >= AT_RISK_AFTER),
        )
        .join(Program, Program.id == Mentorship.program_id)
        .join(mentor, mentor.id == Mentorship.mentor_id)
        .join(mentee, mentee.id == Mentorship.mentee_id)
        .outerjoin(logs, logs.c.pair == Mentorship.id)
        .outerjoin(goals, goals.c.pair == Mentorship.id)
        .where(Mentorship.id.in_(pairs))
        .order_by(Mentorship.started_at, Mentorship.id)
    ).all()
    return [
        PairRow(
            cohort=cohort,
            mentor=mentor_name,
            mentor_user_id=mentor_id,
            mentee=mentee_name,
            mentee_user_id=mentee_id,
            status=status.value,
            cadence=cadence.value,
            started=started.date(),
            ended=ended.date() if ended else None,
            meetings=meetings,
            last_met=_as_date(last_met),
            rating=float(rating) if rating is not None else None,
            goals_done=done,
            goals=goal_count,
            without_meeting=run,
            at_risk=bool(risky),
        )
        for (
            cohort, mentor_name, mentor_id, mentee_name, mentee_id, status, cadence, started,
            ended, meetings, last_met, rating, done, goal_count, run, risky,
        ) in rows
    ]  # fmt: skip


def _as_date(value: date | str | None) -> date | None:
    """MAX() of a date column: a date on PostgreSQL, ISO text on SQLite."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


# --- the chart ------------------------------------------------------------------------------


def _day_of(column: Any, dialect: str, instant: bool) -> Any:
    """The UTC calendar day of a date or timestamp column, as the dialect computes days."""
    if dialect == "sqlite":
        return func.date(column)  # stored as UTC text; date() keeps 'YYYY-MM-DD'
    return cast(func.timezone("UTC", column), Date) if instant else column


def _period_of(day: Any, dialect: str, unit: str) -> Any:
    """A whole number per week (Monday-based) or per month of a day expression."""
    if unit == "week":
        if dialect == "sqlite":
            days = cast(func.julianday(day) - func.julianday("1970-01-05"), Integer)
        else:
            days = day - literal(date(1970, 1, 5), Date)
        return days // 7
    if dialect == "sqlite":
        year, month = func.strftime("%Y", day), func.strftime("%m", day)
    else:
        year, month = extract("year", day), extract("month", day)
    return cast(year, Integer) * 12 + cast(month, Integer) - 1


def _period_number(day: date, unit: str) -> int:
    if unit == "week":
        return (day - date(1970, 1, 5)).days // 7
    return day.year * 12 + day.month - 1


def _period_start(number: int, unit: str) -> date:
    if unit == "week":
        return date(1970, 1, 5) + relativedelta(weeks=number)
    return date(number // 12, number % 12 + 1, 1)


def chart_series(session: Session, scope: Scope, *, name: str, today: date) -> ChartSeries:
    without_jit(session)
    first, last = _span(session, scope, today)
    unit: Literal["week", "month"] = "week" if (last - first).days <= WEEKS_AT_MOST * 7 else "month"
    numbers = range(_period_number(first, unit), _period_number(last, unit) + 1)
    if len(numbers) > MONTHS_AT_MOST:
        numbers = numbers[-MONTHS_AT_MOST:]
        first = _period_start(numbers[0], unit)
    dialect = session.get_bind().dialect.name

    def period(column: Any, instant: bool = True) -> Any:
        return _period_of(_day_of(column, dialect, instant), dialect, unit).label("period")

    in_pairs = Mentorship.program_id.in_(scope.programs())
    met = period(CheckIn.met_on, instant=False)
    # The status is tested in the count, not the WHERE: so SQLite walks the cohort's pairs'
    # check-ins on UNIQUE(mentorship_id, period) instead of every meeting by the status index.
    meetings = dict(
        session.execute(
            select(met, func.count().filter(CheckIn.status == CheckInStatus.MET))
            .where(
                CheckIn.mentorship_id.in_(select(Mentorship.id).where(in_pairs)),
                CheckIn.met_on.between(first, last),
            )
            .group_by(met)
        ).all()
    )
    ended = Mentorship.ended_at.is_not(None)
    matched = _running_total(
        session,
        select(period(Mentorship.started_at), literal(1).label("step")).where(in_pairs),
        select(period(Mentorship.ended_at), literal(-1)).where(in_pairs, ended),
    )
    mentees = Enrollment.program_id.in_(scope.programs()) & Enrollment.role.in_(_MENTEE_ROLES)
    enrolled = _running_total(
        session,
        select(period(Enrollment.joined_at), literal(1).label("step")).where(mentees),
        select(period(Enrollment.left_at), literal(-1)).where(
            mentees, Enrollment.left_at.is_not(None)
        ),
    )
    matched_at = [_as_of(matched, n) for n in numbers]
    waiting_at = [max(0, _as_of(enrolled, n) - m) for n, m in zip(numbers, matched_at, strict=True)]
    return ChartSeries(
        name=name,
        first=first,
        last=last,
        unit=unit,
        periods=tuple(_period_start(n, unit) for n in numbers),
        meetings=tuple(int(meetings.get(n, 0)) for n in numbers),
        matched=tuple(matched_at),
        waiting=tuple(waiting_at),
    )


def _span(session: Session, scope: Scope, today: date) -> tuple[date, date]:
    """From the cohort's start (else its first enrollment, else today) to today, or to
    the cohort's end when it is over."""
    programs = Program.id.in_(scope.programs())
    starts = session.scalar(select(func.min(Program.starts_on)).where(programs))
    joined = session.scalar(
        select(func.min(Enrollment.joined_at)).where(Enrollment.program_id.in_(scope.programs()))
    )
    ends = session.scalar(select(func.max(Program.ends_on)).where(programs))
    last = ends if scope.program_id is not None and ends is not None and ends < today else today
    first = starts or (joined.date() if joined is not None else last)
    return min(first, last), last


def _running_total(session: Session, *events: Select[Any]) -> dict[int, int]:
    """{period: the sum of every step up to and including it}, for periods with a step."""
    steps = union_all(*events).subquery()
    total = func.sum(func.sum(steps.c.step)).over(order_by=steps.c.period)
    return {
        number: int(value)
        for number, value in session.execute(
            select(steps.c.period, total).group_by(steps.c.period).order_by(steps.c.period)
        )
    }


def _as_of(totals: dict[int, int], number: int) -> int:
    """The running total at the end of period `number`: the last one at or before it."""
    before = [n for n in totals if n <= number]
    return totals[max(before)] if before else 0


# --- what coordinators ask for --------------------------------------------------------------


class UnknownCohort(Exception):
    """A name that names no cohort of the workspace."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name, self.known = name, known


@dataclass(frozen=True)
class Asker:
    team_id: str
    user_id: str


@dataclass(frozen=True)
class Target:
    """The cohort a request names, found: `program_id` None for every cohort."""

    program_id: int | None
    name: str

    @property
    def value(self) -> str:
        """What a button (or the audit) carries for it."""
        return ALL if self.program_id is None else str(self.program_id)


def find_target(session: Session, team_id: str, name: str) -> Target:
    """The cohort `name` names (any case), or every cohort for an empty name."""
    if not name.strip():
        return Target(None, ALL_COHORTS)
    program = program_named(session, team_id, name)
    if program is None:
        raise UnknownCohort(name, program_names(session, team_id))
    return Target(program.id, program.name)


def _target_of(session: Session, team_id: str, value: object) -> Target | None:
    """The cohort a button's value names in this workspace; None when it names none."""
    if value == ALL:
        return Target(None, ALL_COHORTS)
    program_id = row_id(value)
    program = session.get(Program, program_id) if program_id else None
    if program is None or program.team_id != team_id:
        return None
    return Target(program.id, program.name)


Action = Literal["view", "chart", "export"]


@dataclass(frozen=True)
class Command:
    """`/mentor stats [chart|export] [cohort]`, read."""

    action: Action
    target: Target


def read_command(session: Session, team_id: str, text: str) -> Command:
    """What `/mentor stats ...` asks for. A text that names a cohort is that cohort's
    numbers, even one called "Chart club"; raises UnknownCohort for a name that names none."""
    text = " ".join(text.split())
    first, _, rest = text.partition(" ")
    if first.lower() in ("chart", "export") and program_named(session, team_id, text) is None:
        return Command(first.lower(), find_target(session, team_id, rest))  # type: ignore[arg-type]
    return Command("view", find_target(session, team_id, text))


def health_report(
    session: Session, settings: Settings, asker: Asker, target: Target, *, now: datetime
) -> ProgramHealth | None:
    """`/mentor stats [cohort]`: the numbers (audited); None (refused, told) for a member."""
    if not _allowed(session, settings, asker, "view", target.value, now):
        return None
    scope = Scope(asker.team_id, target.program_id)
    report = program_health(session, scope, today=today_of(settings, now), now=now)
    _audit(session, asker, "viewed", target, now, {})
    return report


def send_chart(
    session: Session, settings: Settings, asker: Asker, value: object, *, now: datetime
) -> bool:
    """Draw the chart of the cohort `value` names (a program id, or ALL) and queue it for
    the coordinator's DM; False when refused or gone (the asker is told by DM)."""
    from bot.views.stats_chart import render_png  # matplotlib loads with the first chart

    target = _checked(session, settings, asker, "chart", value, now)
    if target is None:
        return False
    scope = Scope(asker.team_id, target.program_id)
    series = chart_series(session, scope, name=target.name, today=today_of(settings, now))
    png = render_png(series)
    file_dm(
        session,
        team_id=asker.team_id,
        user_id=asker.user_id,
        channel=_dm_channel(session, asker),
        key=keys.each(Kind.STATS_CHART, asker.user_id, target.value, at=now),
        filename=f"program-health-{_slug(target.name)}-{series.last.isoformat()}.png",
        title=f"Program health: {target.name}",
        content=png,
        comment=chart_comment(target.name),
        now=now,
    )
    _audit(
        session, asker, "chart", target, now, {"bytes": len(png), "periods": len(series.periods)}
    )
    return True


def send_export(
    session: Session, settings: Settings, asker: Asker, value: object, *, now: datetime
) -> bool:
    """Queue the CSV of the cohort's pairs for the coordinator's DM; False when refused or
    gone (the asker is told by DM)."""
    target = _checked(session, settings, asker, "export", value, now)
    if target is None:
        return False
    rows = pair_rows(session, Scope(asker.team_id, target.program_id))
    file_dm(
        session,
        team_id=asker.team_id,
        user_id=asker.user_id,
        channel=_dm_channel(session, asker),
        key=keys.each(Kind.STATS_EXPORT, asker.user_id, target.value, at=now),
        filename=f"pairs-{_slug(target.name)}-{today_of(settings, now).isoformat()}.csv",
        title=f"Pairs of {target.name}",
        content=pairs_csv(rows),
        comment=export_comment(target.name, len(rows)),
        now=now,
    )
    _audit(session, asker, "export", target, now, {"pairs": len(rows)})
    return True


def _checked(
    session: Session, settings: Settings, asker: Asker, action: str, value: object, now: datetime
) -> Target | None:
    if not _allowed(session, settings, asker, action, value, now):
        return None
    target = _target_of(session, asker.team_id, value)
    if target is None:
        notify(
            session,
            team_id=asker.team_id,
            user_id=asker.user_id,
            text=COHORT_GONE,
            key=keys.each(Kind.STATS_NOTICE, asker.user_id, at=now),
            now=now,
        )
    return target


def _allowed(
    session: Session, settings: Settings, asker: Asker, action: str, value: object, now: datetime
) -> bool:
    """A coordinator may; anyone else is refused politely, audited and logged, by DM."""
    if is_coordinator(session, settings, asker.team_id, asker.user_id):
        return True
    refuse(
        session,
        team_id=asker.team_id,
        user_id=asker.user_id,
        action=f"stats.{action}",
        subject_type="program",
        subject_id=str(value),
        why="not a coordinator",
        answer=COORDINATORS_ONLY,
        now=now,
    )
    return False


def _audit(
    session: Session,
    asker: Asker,
    action: str,
    target: Target,
    now: datetime,
    detail: dict[str, Any],
) -> None:
    audit.record(
        session,
        team_id=asker.team_id,
        actor=asker.user_id,
        action=f"stats.{action}",
        subject_type="program",
        subject_id=target.value,
        now=now,
        detail=detail,
    )


def _dm_channel(session: Session, asker: Asker) -> str | None:
    return session.scalar(
        select(Person.dm_channel_id).where(
            Person.team_id == asker.team_id, Person.slack_user_id == asker.user_id
        )
    )


def _slug(name: str) -> str:
    kept = "".join(c.lower() if c.isalnum() else "-" for c in name)
    return "-".join(part for part in kept.split("-") if part)[:60] or "cohort"


# --- the terminal: `mentorbot export` ------------------------------------------------------


class CohortError(Exception):
    """`--cohort` / `--team` pick no one cohort; str(error) is for the operator."""


@dataclass(frozen=True)
class Export:
    cohort: str
    pairs: int
    csv: str


def export_for_terminal(session: Session, *, cohort: str | None, team: str | None) -> Export:
    """The CSV of one cohort's pairs: the one named (any case), or the only one."""
    query = select(Program).order_by(Program.team_id, Program.name)
    if team:
        query = query.where(Program.team_id == team)
    programs = list(session.scalars(query))
    listed = ", ".join(repr(p.name) for p in programs)
    if not programs:
        raise CohortError("no cohort yet: one is made when someone first uses /mentor in Slack")
    if cohort is None:
        if len(programs) > 1:
            raise CohortError(f"add --cohort NAME; the cohorts are {listed}")
        chosen = programs
    else:
        wanted = " ".join(cohort.split()).lower()
        chosen = [p for p in programs if p.name.lower() == wanted]
        if not chosen:
            raise CohortError(f"no cohort named {cohort!r}; the cohorts are {listed}")
        if len(chosen) > 1:
            raise CohortError(f"several workspaces have a cohort named {cohort!r}: add --team")
    program = chosen[0]
    rows = pair_rows(session, Scope(program.team_id, program.id))
    return Export(cohort=program.name, pairs=len(rows), csv=pairs_csv(rows))
