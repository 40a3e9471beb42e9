"""Announcements: the coordinator's form, its preview, the pending list, the milestones
form, and the words recipients and the author read.

Pure builders: state in, Block Kit out. The handlers read fields by the ids in
`AnnounceIds`, so the two change together.

The message is what the coordinator typed, in Slack's mrkdwn (*bold*, _italic_, links
Slack spots on its own): `&`, `<` and `>` are escaped, so what they typed shows as
typed and no `<!channel>` can be slipped in. Its limit is MESSAGE_MAX, 3,000
characters: the most a plain_text_input takes (Slack's own cap on max_length), and the
text of one section block. It is posted as the message's `text` (mrkdwn, up to
40,000 characters, so even 3,000 escaped `&` fit), and the preview shows it in
sections of at most 3,000 characters each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import ClassVar

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.commands import COMMAND
from bot.db.enums import Audience, Milestone
from bot.views.text import check_metadata, context, escape, excerpt, section, utf16_units

MESSAGE_MAX = 3000  # characters typed; see the module's docstring
SECTION_MAX = 3000  # Slack's limit on a section's text
COHORTS_SHOWN = 100  # a static select's limit
EXCERPT_SHOWN = 120  # of a message, in the pending list
NAMES_SHOWN = 20  # failed recipients named in a report, per reason
INVITE = "/invite @mentorbot"
FORM_TITLE = "New announcement"
PREVIEW_TITLE = "Check and send"
MILESTONES_TITLE = "Cohort milestones"

AUDIENCE_LABELS = {
    Audience.CHANNEL: "Post in a channel",
    Audience.COHORT: "DM everyone in a cohort",
    Audience.COHORT_MENTORS: "DM a cohort's mentors",
    Audience.COHORT_MENTEES: "DM a cohort's mentees",
}
MILESTONE_LABELS = {
    Milestone.KICKOFF: "Kickoff message",
    Milestone.MIDTERM: "Mid-term reminder",
    Milestone.CLOSING: "Closing message",
}
NOW, LATER = "now", "later"
COORDINATORS_ONLY = (
    "Sorry, announcements are for program coordinators, so nothing was sent or changed. "
    "If you think you should be one, ask your program's coordinator."
)
GONE = "Sorry, that announcement is not one I can find for you, so nothing was sent."


class AnnounceIds:
    # the form
    FORM_CALLBACK = "announce.form"
    AUDIENCE_BLOCK = "announce.audience"
    AUDIENCE_ACTION = "announce.audience_input"
    CHANNEL_BLOCK = "announce.channel"
    CHANNEL_ACTION = "announce.channel_input"
    COHORT_BLOCK = "announce.cohort"
    COHORT_ACTION = "announce.cohort_input"
    MESSAGE_BLOCK = "announce.message"
    MESSAGE_ACTION = "announce.message_input"
    WHEN_BLOCK = "announce.when"
    WHEN_ACTION = "announce.when_input"
    DATE_BLOCK = "announce.date"
    DATE_ACTION = "announce.date_input"
    TIME_BLOCK = "announce.time"
    TIME_ACTION = "announce.time_input"
    # the preview
    CONFIRM_CALLBACK = "announce.confirm"
    PREVIEW_NOTICE_BLOCK = "announce.preview_notice"
    PREVIEW_TO_BLOCK = "announce.preview_to"
    PREVIEW_TEXT_PREFIX = "announce.preview_text."
    PREVIEW_ACTIONS_BLOCK = "announce.preview_actions"
    BACK = "announce.back"
    # a closing word (sent, scheduled, refused)
    NOTICE_CALLBACK = "announce.notice"
    NOTICE_BLOCK = "announce.notice_text"
    # `/mentor announce list`
    LIST_HEADER_BLOCK = "announce.list"
    LIST_ITEM_PREFIX = "announce.item."
    CANCEL = "announce.cancel"
    # the coordinator's App Home
    HOME_BLOCK = "announce.home"
    HOME_ITEM_PREFIX = "announce.home_item."
    HOME_MORE_BLOCK = "announce.home_more"
    # the milestones form
    MILESTONES_CALLBACK = "announce.milestones"
    MILESTONE_ACTION = "announce.milestone_input"
    MILESTONE_BLOCKS: ClassVar[dict[Milestone, str]] = {
        Milestone.KICKOFF: "announce.kickoff",
        Milestone.MIDTERM: "announce.midterm",
        Milestone.CLOSING: "announce.closing",
    }


# --- how an audience reads -----------------------------------------------------------------


def audience_words(
    audience: Audience, channel_id: str | None, cohort: str | None, *, by_dm: bool = True
) -> str:
    """Who it goes to, in mrkdwn: "<#C123>", "the mentors of *Spring*, by DM"."""
    if audience is Audience.CHANNEL:
        return f"<#{channel_id}>"
    named = f"*{escape(cohort or 'the cohort')}*"
    how = ", by DM" if by_dm else ""
    if audience is Audience.COHORT_MENTORS:
        return f"the mentors of {named}{how}"
    if audience is Audience.COHORT_MENTEES:
        return f"the mentees of {named}{how}"
    return f"everyone in {named}{how}"


def people(count: int) -> str:
    return f"{count:,} {'person' if count == 1 else 'people'}"


# --- what recipients read ------------------------------------------------------------------


def message_text(text: str, *, author: str, cohort: str | None) -> str:
    """The message as posted: the coordinator's words, then who sent it."""
    return f"{escape(text.strip())}\n\n{signature(author, cohort)}"


def signature(author: str, cohort: str | None) -> str:
    return f"_From <@{author}>" + (f", {escape(cohort)}_" if cohort else "_")


def message_sections(text: str, *, block_prefix: str) -> list[SectionBlock]:
    """The escaped message in sections of at most SECTION_MAX units, cut at line ends
    where it can be (and never inside an escaped character)."""
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        piece = escape(line)
        if utf16_units(current + piece) <= SECTION_MAX:
            current += piece
            continue
        if current:
            chunks.append(current)
            current = ""
        for char in line:  # a line longer than a section: cut between characters
            escaped = escape(char)
            if utf16_units(current + escaped) > SECTION_MAX:
                chunks.append(current)
                current = ""
            current += escaped
    if current.strip() or not chunks:
        chunks.append(current)
    return [
        SectionBlock(block_id=f"{block_prefix}{n}", text=MarkdownTextObject(text=chunk or " "))
        for n, chunk in enumerate(chunks)
    ]


# --- the form ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortChoice:
    program_id: int
    name: str


@dataclass(frozen=True)
class FormState:
    """What the form shows: the workspace's cohorts and, when editing a draft, its values."""

    cohorts: tuple[CohortChoice, ...]
    audience: Audience | None = None
    channel_id: str | None = None
    program_id: int | None = None
    text: str = ""
    send_now: bool = True
    day: date | None = None
    at: time | None = None


def form_modal(state: FormState, *, private_metadata: str) -> View:
    check_metadata(private_metadata)
    ids = AnnounceIds
    audiences = [_option(label, audience.value) for audience, label in AUDIENCE_LABELS.items()]
    chosen = next((o for o in audiences if state.audience and o.value == state.audience), None)
    when = [_option("Send now", NOW), _option("At a date and time (your time zone)", LATER)]
    blocks: list[Block] = [
        InputBlock(
            block_id=ids.AUDIENCE_BLOCK,
            label="Who should get it",
            element=StaticSelectElement(
                action_id=ids.AUDIENCE_ACTION,
                placeholder="Choose",
                options=audiences,
                initial_option=chosen,
            ),
        ),
        InputBlock(
            block_id=ids.CHANNEL_BLOCK,
            label="Channel",
            optional=True,
            hint=(
                "For a channel post. I join a public channel by myself; "
                f"for a private one, type {INVITE} in it first."
            ),
            element=ConversationSelectElement(
                action_id=ids.CHANNEL_ACTION,
                placeholder="Pick a channel",
                initial_conversation=state.channel_id,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
        ),
    ]
    if len(state.cohorts) > 1:
        cohorts = [_option(c.name, str(c.program_id)) for c in state.cohorts[:COHORTS_SHOWN]]
        picked = next((o for o in cohorts if o.value == str(state.program_id)), None)
        blocks.append(
            InputBlock(
                block_id=ids.COHORT_BLOCK,
                label="Cohort",
                optional=True,
                hint="For DMs: whose people get it.",
                element=StaticSelectElement(
                    action_id=ids.COHORT_ACTION,
                    placeholder="Choose a cohort",
                    options=cohorts,
                    initial_option=picked,
                ),
            )
        )
    blocks += [
        InputBlock(
            block_id=ids.MESSAGE_BLOCK,
            label="Message",
            hint=(
                f"Slack formatting works: *bold*, _italic_, links. "
                f"Up to {MESSAGE_MAX:,} characters."
            ),
            element=PlainTextInputElement(
                action_id=ids.MESSAGE_ACTION,
                multiline=True,
                max_length=MESSAGE_MAX,
                initial_value=state.text or None,
            ),
        ),
        InputBlock(
            block_id=ids.WHEN_BLOCK,
            label="When",
            element=RadioButtonsElement(
                action_id=ids.WHEN_ACTION,
                options=when,
                initial_option=when[0] if state.send_now else when[1],
            ),
        ),
        InputBlock(
            block_id=ids.DATE_BLOCK,
            label="Day",
            optional=True,
            element=DatePickerElement(
                action_id=ids.DATE_ACTION,
                initial_date=state.day.isoformat() if state.day else None,
            ),
        ),
        InputBlock(
            block_id=ids.TIME_BLOCK,
            label="Time",
            optional=True,
            hint="On your own clock (your Slack time zone).",
            element=TimePickerElement(
                action_id=ids.TIME_ACTION,
                initial_time=state.at.strftime("%H:%M") if state.at else None,
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.FORM_CALLBACK,
        title=FORM_TITLE,
        submit="Preview",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=blocks,
    )


def _option(label: str, value: str) -> Option:
    return Option(text=PlainTextObject(text=excerpt(label, 75, one_line=True)), value=value)


# --- the preview ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewState:
    announcement_id: int
    author: str
    audience: Audience
    channel_id: str | None
    cohort: str | None
    size: int | None  # how many people it reaches (a channel's members, when Slack says)
    text: str
    when: str | None  # "Tuesday 3 March at 10:00 (Europe/Paris)"; None: now
    notice: str | None = None  # why it was not sent (yet), shown at the top


def preview_modal(state: PreviewState, *, private_metadata: str) -> View:
    check_metadata(private_metadata)
    ids = AnnounceIds
    to = audience_words(state.audience, state.channel_id, state.cohort)
    if state.size is not None:
        reach = f"{state.size:,} member(s)" if state.audience is Audience.CHANNEL else None
        to += f" ({reach or people(state.size)})"
    when = f"*When:* {state.when}" if state.when else "*When:* as soon as you press Send"
    blocks: list[Block] = []
    if state.notice:
        blocks.append(section(ids.PREVIEW_NOTICE_BLOCK, f":warning: {state.notice}"))
    blocks += [
        section(ids.PREVIEW_TO_BLOCK, f"*To:* {to}\n{when}"),
        DividerBlock(),
        *message_sections(state.text.strip(), block_prefix=ids.PREVIEW_TEXT_PREFIX),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"{signature(state.author, state.cohort)} · as they'll see it"
                )
            ]
        ),
        ActionsBlock(
            block_id=ids.PREVIEW_ACTIONS_BLOCK,
            elements=[
                ButtonElement(text="Back", action_id=ids.BACK, value=str(state.announcement_id))
            ],
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.CONFIRM_CALLBACK,
        title=PREVIEW_TITLE,
        submit="Schedule" if state.when else "Send",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=blocks,
    )


def notice_modal(text: str, *, title: str = FORM_TITLE) -> View:
    """Replaces a modal once it is done (sent, scheduled) or refused, saying so."""
    return View(
        type="modal",
        callback_id=AnnounceIds.NOTICE_CALLBACK,
        title=title,
        close="Close",
        blocks=[section(AnnounceIds.NOTICE_BLOCK, text)],
    )


def on_its_way_text(audience: str, size: int | None) -> str:
    reach = f" ({people(size)})" if size is not None and "by DM" in audience else ""
    return (
        f":mega: On its way to {audience}{reach}. I'll DM you a short report once "
        "every message is out."
    )


def scheduled_text(audience: str, when: str) -> str:
    return (
        f":calendar: Scheduled for {when}, to {audience}. `/mentor announce list` shows "
        "it, with a button to cancel it before it goes."
    )


def not_invited_text(channel_id: str) -> str:
    return (
        f"I'm not in <#{channel_id}>, and as it's a private channel I can't join it myself. "
        f"Type `{INVITE}` in it, then press Send again. Nothing was sent."
    )


# --- `/mentor announce list` ---------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    announcement_id: int
    audience: Audience
    channel_id: str | None
    cohort: str | None
    send_at: datetime | None  # None: a kickoff, waiting for a round's approval
    milestone: Milestone | None
    text: str


def pending_message(
    pending: Sequence[Pending], notice: str | None = None
) -> tuple[str, list[Block]]:
    """(fallback text, blocks) of the list, one Cancel button per announcement."""
    ids = AnnounceIds
    head = notice + "\n\n" if notice else ""
    if not pending:
        text = head + "No announcement is waiting to go out. `/mentor announce` writes one."
        return text, [section(ids.LIST_HEADER_BLOCK, text)]
    count = len(pending)
    head += f"*{count} announcement{'s' if count > 1 else ''} waiting to go out*"
    blocks: list[Block] = [section(ids.LIST_HEADER_BLOCK, head)]
    for item in pending[:45]:  # a message holds 50 blocks
        blocks.append(
            SectionBlock(
                block_id=f"{ids.LIST_ITEM_PREFIX}{item.announcement_id}",
                text=MarkdownTextObject(text=_pending_line(item)),
                accessory=ButtonElement(
                    text="Cancel",
                    action_id=ids.CANCEL,
                    value=str(item.announcement_id),
                    style="danger",
                    confirm=ConfirmObject(
                        title="Cancel this announcement?",
                        text="It will not be sent. You can write it again any time.",
                        confirm="Cancel it",
                        deny="Keep it",
                    ),
                ),
            )
        )
    return head, blocks


HOME_SHOWN = 3  # announcements waiting to go out, listed on a coordinator's Home


def home_section(pending: Sequence[Pending]) -> list[Block]:
    """A coordinator's Home: what is waiting to go out, the soonest first. No Cancel here
    (a Home has no message to redraw): `/mentor announce list` has one per announcement."""
    commands = (
        f"`{COMMAND} announce` writes one; `{COMMAND} announce list` shows them all, each "
        "with *Cancel*."
    )
    if not pending:
        text = f"*Announcements*: none waiting to go out. {commands}"
        return [section(AnnounceIds.HOME_BLOCK, text)]
    count = len(pending)
    blocks: list[Block] = [
        section(AnnounceIds.HOME_BLOCK, f"*Announcements*: {count} waiting to go out")
    ]
    blocks += [
        section(f"{AnnounceIds.HOME_ITEM_PREFIX}{item.announcement_id}", _pending_line(item))
        for item in pending[:HOME_SHOWN]
    ]
    more = f"_and {count - HOME_SHOWN} more._ " if count > HOME_SHOWN else ""
    blocks.append(context(AnnounceIds.HOME_MORE_BLOCK, more + commands))
    return blocks


def _pending_line(item: Pending) -> str:
    to = audience_words(item.audience, item.channel_id, item.cohort)
    if item.send_at is None:
        when = "when the cohort's next matching round is approved"
    else:
        when = slack_date(item.send_at)
    label = f"{MILESTONE_LABELS[item.milestone]}: " if item.milestone else ""
    words = excerpt(item.text, EXCERPT_SHOWN, one_line=True)
    return f"*{label}{when}* · to {to}\n{words}"


def slack_date(instant: datetime) -> str:
    """An instant Slack shows on each reader's own clock (the fallback is UTC)."""
    epoch = int(instant.timestamp())
    fallback = instant.strftime("%d %b %Y %H:%M UTC")
    return f"<!date^{epoch}^{{date_short_pretty}} at {{time}}|{fallback}>"


def cancelled_text() -> str:
    return ":wastebasket: Cancelled: that announcement will not be sent."


def too_late_text(status: str, sent_at: datetime | None) -> str:
    if status == "cancelled":
        return "That announcement was already cancelled."
    when = f" ({slack_date(sent_at)})" if sent_at else ""
    return f"That announcement already went out{when}, so it can't be cancelled."


# --- milestones ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneField:
    milestone: Milestone
    text: str
    when: str  # when it goes, in words ("on Monday 3 March at 10:00 your time")
    sent: bool = False


@dataclass(frozen=True)
class MilestonesForm:
    program_id: int
    cohort: str
    where: str  # "by DM to everyone in the cohort" or "in <#C123>"
    fields: tuple[MilestoneField, ...] = field(default_factory=tuple)


def milestones_modal(form: MilestonesForm, *, private_metadata: str) -> View:
    check_metadata(private_metadata)
    intro = (
        f"Messages for *{escape(form.cohort)}* that go out on their own, {form.where}. "
        "Leave one empty for none."
    )
    blocks: list[Block] = [section("announce.milestones_intro", intro)]
    for item in form.fields:
        blocks.append(
            InputBlock(
                block_id=AnnounceIds.MILESTONE_BLOCKS[item.milestone],
                label=MILESTONE_LABELS[item.milestone],
                optional=True,
                hint=excerpt(item.when, 2000),
                element=PlainTextInputElement(
                    action_id=AnnounceIds.MILESTONE_ACTION,
                    multiline=True,
                    max_length=MESSAGE_MAX,
                    initial_value=item.text or None,
                ),
            )
        )
    return View(
        type="modal",
        callback_id=AnnounceIds.MILESTONES_CALLBACK,
        title=MILESTONES_TITLE,
        submit="Save",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=blocks,
    )


def milestones_saved_text(cohort: str, kept: Sequence[str]) -> str:
    if not kept:
        return f"Saved: *{escape(cohort)}* has no milestone messages now."
    return f"Saved for *{escape(cohort)}*:\n" + "\n".join(f"• {line}" for line in kept)


# --- the author's report -------------------------------------------------------------------

REASONS = {
    "user_not_found": "not found in Slack",
    "channel_not_found": "not found in Slack",
    "users_not_found": "not found in Slack",
    "account_inactive": "account inactive",
    "user_disabled": "account deactivated",
    "not_in_channel": "I'm not in that channel",
    "is_archived": "the channel is archived",
    "msg_too_long": "the message is too long for Slack",
    "restricted_action": "the workspace doesn't let me post there",
}


@dataclass(frozen=True)
class Report:
    audience: Audience
    channel_id: str | None
    cohort: str | None
    recipients: int  # the audience's size when it went out
    delivered: int
    failed: dict[str, tuple[str, ...]]  # Slack's error -> who (user ids, "" when unnamed)
    gone: int = 0  # left the program before their message went


def report_text(report: Report) -> str:
    if report.audience is Audience.CHANNEL:
        return _channel_report(report)
    to = audience_words(report.audience, report.channel_id, report.cohort, by_dm=False)
    if report.recipients == 0:
        return f"Your announcement to {to} reached nobody: nobody was in that group when it went."
    lines = [
        f":mailbox_with_mail: Your announcement to {to} is out: delivered to "
        f"{report.delivered:,} of {people(report.recipients)}."
    ]
    for error, users in sorted(report.failed.items(), key=lambda kv: -len(kv[1])):
        named = [u for u in users if u]
        shown = ", ".join(f"<@{u}>" for u in named[:NAMES_SHOWN])
        more = f" and {len(named) - NAMES_SHOWN:,} more" if len(named) > NAMES_SHOWN else ""
        who = f": {shown}{more}" if shown else ""
        lines.append(f"• {len(users):,} not delivered ({reason(error)}){who}")
    if report.gone:
        lines.append(f"• {report.gone:,} left the program before it reached them")
    return "\n".join(lines)


def _channel_report(report: Report) -> str:
    where = f"<#{report.channel_id}>"
    if report.delivered:
        return f":mega: Your announcement is posted in {where}."
    error = next(iter(report.failed), "")
    if error in ("channel_not_found", "not_in_channel"):
        return (
            f"Your announcement could not be posted in {where}: I'm not in it, and a private "
            f"channel has to invite me. Type `{INVITE}` there, then send it again with "
            "`/mentor announce`."
        )
    return f"Your announcement could not be posted in {where} ({reason(error)})."


def reason(error: str) -> str:
    return REASONS.get(error, error.replace("_", " ") or "Slack refused it")
