"""Eight weeks of check-ins: the clock moves an hour at a time and the scheduler's own
due-work job runs on each hour, so each prompt reaches its person in their own morning.

What people do is scripted, with the seed choosing the details: Ana logs "We met" in
week 1 through the form; one pair reschedules in week 2 and meets on the new day; one
pair never meets, so it is followed up and then flagged to the coordinators; the others
mostly meet and log it. Midway a coordinator posts an announcement.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from bot.db.models import Mentorship, Person
from bot.demo import cast
from bot.demo.opening import show_fresh
from bot.demo.stage import DemoError, Stage
from bot.views.announcements import AnnounceIds
from bot.views.checkins import CheckinIds
from bot.views.followups import FollowupIds

JsonDict = dict[str, Any]
WEEKS = 8
STEP = timedelta(hours=1)
# The scheduler ticks every few seconds; the demo runs its job in the hours something is
# due (a message's send time, a check-in's opening), and at least this often besides.
IDLE_HOURS = 12
MEETS = 0.75  # how often a pair with nothing scripted meets in a week
THANKS = (
    "Thank you! The reading list was just what I needed.",
    "Thanks for walking me through your first project, it helped a lot.",
    "That mock interview made me far less nervous. Thank you!",
    "Thanks, I finally understand how to scope this.",
    "Great session, thank you for the honest feedback.",
)
ANNOUNCEMENT = (
    "Halfway there! Share one thing you learned from your mentor or mentee in this "
    "channel, and remember to log your meetings with *We met*."
)


@dataclass(frozen=True)
class Pair:
    mentor: str
    mentee: str


@dataclass
class Weeks:
    stage: Stage
    rng: random.Random
    found: Pair  # the pair /mentor find made
    moving: Pair  # reschedules in week 2
    quiet: Pair  # never meets
    week: int = 0
    later: list[tuple[datetime, Callable[[], None]]] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)  # kinds of message shown in full this week
    coordinator_looked: bool = False

    def run(self, first_monday: datetime) -> None:
        announce_at = first_monday + timedelta(weeks=3, days=2, hours=14)  # week 4, Wednesday
        self.later.append((announce_at, self.announce))
        end = first_monday + timedelta(weeks=WEEKS, hours=-12)
        calls, idle = len(self.stage.slack.calls()), 0
        while self.stage.clock() < end:
            now = self.stage.clock.at = self.stage.clock() + STEP
            self.new_week_at(first_monday, now)
            due = self.stage.next_due()
            idle += 1
            if idle >= IDLE_HOURS or (due is not None and due <= now):
                self.stage.tick()
                idle = 0
            for _, act in self.due(now):
                act()
            if len(self.stage.slack.calls()) != calls:
                self.react(show_fresh(self.stage, self.kinds))
                calls = len(self.stage.slack.calls())

    def new_week_at(self, first_monday: datetime, now: datetime) -> None:
        # A week runs from Sunday noon UTC: Monday morning everywhere from Sydney to
        # San Francisco falls inside it.
        week = (now - (first_monday - timedelta(hours=12))) // timedelta(weeks=1) + 1
        if week > self.week and week <= WEEKS:
            self.week = week
            self.kinds.clear()
            monday = first_monday + timedelta(weeks=week - 1)
            self.stage.transcript.heading(f"Week {week}", long_date(monday))

    def due(self, now: datetime) -> list[tuple[datetime, Callable[[], None]]]:
        ready = [item for item in self.later if item[0] <= now]
        self.later = [item for item in self.later if item[0] > now]
        return ready

    # --- what people do when something arrives -------------------------------------------

    def react(self, fresh: list[tuple[JsonDict, tuple[str, ...]]]) -> None:
        for message, users in fresh:
            blocks = str(message.get("blocks"))
            if CheckinIds.ACTIONS_BLOCK in blocks and len(users) == 1:
                self.prompted(users[0], message)
            elif FollowupIds.ALERT_BLOCK in blocks and not self.coordinator_looked:
                self.coordinator_looked = True
                coco = cast.COCO
                self.stage.transcript.surface(
                    f"{coco.first} opens her Home tab: the pair is listed", "home",
                    self.stage.open_home(coco.user_id),
                )  # fmt: skip

    def prompted(self, user: str, prompt: JsonDict) -> None:
        pair = next((p for p in self.all_pairs if p.mentee == user), None)
        if pair is None or pair == self.quiet:
            return  # mentors leave the logging to their mentees here; the quiet pair never do
        if pair == self.found and self.week == 1:
            self.log(pair, prompt, show=True)
        elif pair == self.moving and self.week == 2:
            self.reschedule(pair, prompt)
        elif self.rng.random() < MEETS:
            self.log(pair, prompt, show=False)

    def log(self, pair: Pair, prompt: JsonDict, show: bool) -> None:
        t, mentee, mentor = self.stage.transcript, cast.BY_ID[pair.mentee], cast.BY_ID[pair.mentor]
        rating, thanks = self.rng.choice((4, 5, 5, 3)), self.rng.choice(THANKS)
        self.stage.click(pair.mentee, CheckinIds.MET, message=prompt)
        form = self.stage.modal(pair.mentee, CheckinIds.LOG_CALLBACK)
        if show:
            t.surface(f"{mentee.first} meets {mentor.first} and clicks We met", "modal", form)
        self.stage.submit(
            pair.mentee,
            {
                CheckinIds.USEFUL_BLOCK: {CheckinIds.USEFUL_ACTION: str(rating)},
                CheckinIds.THANKS_BLOCK: {CheckinIds.THANKS_ACTION: thanks},
            },
        )
        if show:
            self.stage.tick()  # the partner's prompt is rewritten through the outbox
            t.surface(
                f"{mentee.first} saved it; {mentor.first}'s prompt now says so (one log counts "
                "for both)", "dm", self.latest_prompt(pair.mentor, pair.mentee),
            )  # fmt: skip
        else:
            t.say(f"{mentee.first} and {mentor.first} met; {mentee.first} logs it ({rating}/5).")

    def reschedule(self, pair: Pair, prompt: JsonDict) -> None:
        t, mentee, mentor = self.stage.transcript, cast.BY_ID[pair.mentee], cast.BY_ID[pair.mentor]
        self.stage.click(pair.mentee, CheckinIds.RESCHEDULE, message=prompt)
        t.surface(
            f"{mentor.first} is travelling: {mentee.first} clicks Reschedule", "modal",
            self.stage.modal(pair.mentee, CheckinIds.MOVE_CALLBACK),
        )  # fmt: skip
        day = self.stage.clock().date() + timedelta(days=2)
        self.stage.submit(
            pair.mentee,
            {CheckinIds.MOVE_DATE_BLOCK: {CheckinIds.MOVE_DATE_ACTION: day.isoformat()}},
        )
        t.say(f"{mentee.first} moves their check-in to {long_date(day)}.")
        met_at = datetime.combine(day, datetime.min.time(), self.stage.clock().tzinfo)
        self.later.append(
            (
                met_at + timedelta(hours=15),
                lambda: self.log(pair, self.latest_prompt(pair.mentee, pair.mentor), show=False),
            )
        )

    def announce(self) -> None:
        t, raj = self.stage.transcript, cast.RAJ
        self.stage.command(raj.user_id, "announce")
        form = self.stage.modal(raj.user_id, AnnounceIds.FORM_CALLBACK)
        t.surface(f"{raj.first}, the second coordinator, types /mentor announce", "modal", form)
        self.stage.submit(
            raj.user_id,
            {
                AnnounceIds.AUDIENCE_BLOCK: {AnnounceIds.AUDIENCE_ACTION: "channel"},
                AnnounceIds.CHANNEL_BLOCK: {AnnounceIds.CHANNEL_ACTION: cast.CHANNEL},
                AnnounceIds.MESSAGE_BLOCK: {AnnounceIds.MESSAGE_ACTION: ANNOUNCEMENT},
            },
        )
        preview = self.stage.modal(raj.user_id, AnnounceIds.CONFIRM_CALLBACK)
        t.surface(f"{raj.first} checks the preview", "modal", preview)
        self.stage.submit(raj.user_id)
        t.say(f"{raj.first} clicks Send.")

    # --- what the bot knows --------------------------------------------------------------

    @cached_property
    def all_pairs(self) -> list[Pair]:
        return pairs(self.stage)

    def latest_prompt(self, user: str, partner: str) -> JsonDict:
        """The person's check-in prompt for their pair with `partner`, as it stands now."""
        shown = [
            m
            for m in self.stage.slack.messages_for(user)
            if (CheckinIds.ACTIONS_BLOCK in str(m) or CheckinIds.CLOSED_BLOCK in str(m))
            and f"<@{partner}>" in str(m)
        ]
        if not shown:
            raise DemoError(f"{cast.BY_ID[user].name} has no check-in prompt")
        return shown[-1]


def long_date(day: date | datetime) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def pairs(stage: Stage) -> list[Pair]:
    """Every pair, in the order they were made."""
    mentor, mentee = aliased(Person), aliased(Person)
    with stage.runtime.deps.sessions() as session:
        rows = session.execute(
            select(mentor.slack_user_id, mentee.slack_user_id)
            .select_from(Mentorship)
            .join(mentor, Mentorship.mentor_id == mentor.id)
            .join(mentee, Mentorship.mentee_id == mentee.id)
            .order_by(Mentorship.id)
        )
        return [Pair(a, b) for a, b in rows]
