"""Asking mentors: the request DM with Accept / Decline, the decline modal, and what the
mentee hears at each step.

Pure builders: state in, Block Kit out (no database, no Slack calls). The handlers read
what people click and type by the ids in `RequestIds`, so the two must change together.

The flow, and the builder for each step (the mentee chose in `bot.views.find`):
1. `request_sent_message`: the mentee hears the request went out, and the order of asking.
2. `request_message`: the DM to one mentor, with Accept / Decline. Only one mentor is
   asked at a time: the next choice hears nothing unless the earlier one can't.
3. `decline_modal` (an optional reason), then `request_answered_blocks` or
   `request_expired_blocks` replace the DM.
4. The mentee's notices: `declined_message`, `expired_message`; with nobody left to ask
   they end with the "Find a mentor" button. Accepting introduces the pair
   (`bot.views.mentorships`).

Whatever a person wrote is escaped and cut to a budget (see `bot.views.text`). Dates
(`expires_on`, `when`, `on`) are passed through unescaped: they are ours, and may be a
`<!date^…>` token so each reader sees their own time zone.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    PlainTextInputElement,
)
from slack_sdk.models.views import View

from bot.commands import COMMAND
from bot.db.enums import ExperienceLevel
from bot.limits import DECLINE_REASON_MAX, MAX_CHOICES
from bot.views.enrollment import EXPERIENCE_LABELS
from bot.views.find import find_again_actions
from bot.views.text import (
    GOALS_SHOWN,
    TITLE_SHOWN,
    check_metadata,
    context,
    escape,
    excerpt,
    reason_bullets,
    section,
    shown_reasons,
    topics_line,
)

NAME_SHOWN = 80
NOTE_SHOWN = 2000  # a whole note, unless escaping or emoji make it long
DECLINE_REASON_SHOWN = 1000
NO_EXPERIENCE = "Not given"


# Why an Accept or Decline did nothing, by `bot.requests.Answer` value.
NOT_DONE = {
    "already_answered": "This request has already been answered or has expired.",
    "not_yours": "This request was sent to someone else.",
    "full": (
        "You have no free mentee slot right now. To take this request, raise how many mentees "
        f"you can take with `{COMMAND} profile`, then press Accept again."
    ),
}


class RequestIds:
    DECLINE_CALLBACK = "match.decline"
    NOTICE_CALLBACK = "match.notice"

    # Actions: both carry the request id.
    ACCEPT = "match.accept"
    DECLINE = "match.decline_open"

    REASON_BLOCK = "match.reason"
    REASON_ACTION = "match.reason.input"
    DECLINE_TEXT_BLOCK = "match.decline_text"

    # The mentor's DM
    REQUEST_BLOCK = "match.request"
    REQUEST_REASONS_BLOCK = "match.request.reasons"
    REQUEST_GOALS_BLOCK = "match.request.goals"
    REQUEST_NOTE_BLOCK = "match.request.note"
    REQUEST_DEADLINE_BLOCK = "match.request.deadline"
    REQUEST_ACTIONS_BLOCK = "match.request.actions"
    ANSWERED_BLOCK = "match.answered"

    # The mentee's notices
    NOTICE_BLOCK = "match.notice"
    NOTICE_DETAIL_BLOCK = "match.notice.detail"


# --- the mentor's side ----------------------------------------------------------------------


def request_message(
    *,
    request_id: int,
    mentee_user_id: str,
    mentee_name: str,
    mentee_title: str | None,
    experience: ExperienceLevel | None,
    topics: Sequence[str],
    goals: str,
    note: str | None,
    reasons: Sequence[str],
    expires_on: str,
) -> tuple[str, list[Block]]:
    """(fallback text, blocks) of the DM asking a mentor to take someone on."""
    who = [f":wave: *<@{mentee_user_id}>* would like you to be their mentor."]
    experience_label = EXPERIENCE_LABELS[experience] if experience is not None else NO_EXPERIENCE
    facts = [excerpt(t, TITLE_SHOWN, one_line=True) for t in (mentee_title, experience_label) if t]
    if any(facts):
        who.append(" · ".join(f for f in facts if f))
    if topics:
        who.append(f"Wants to grow in: {topics_line(topics)}")

    blocks: list[Block] = [section(RequestIds.REQUEST_BLOCK, "\n".join(who))]
    shown = shown_reasons(reasons)
    if shown:
        bullets = reason_bullets(shown)
        blocks.append(
            # The reasons speak to the mentee ("ahead of you"): say so, so they read right here.
            section(
                RequestIds.REQUEST_REASONS_BLOCK,
                f"*Why you were suggested to {escape(mentee_name)}* (as we told them)\n{bullets}",
            )
        )
    if goals.strip():
        blocks.append(
            section(RequestIds.REQUEST_GOALS_BLOCK, f"*Their goals*\n{excerpt(goals, GOALS_SHOWN)}")
        )
    if note and note.strip():
        blocks.append(
            section(
                RequestIds.REQUEST_NOTE_BLOCK, f"*Their note to you*\n{excerpt(note, NOTE_SHOWN)}"
            )
        )
    blocks += [
        context(
            RequestIds.REQUEST_DEADLINE_BLOCK,
            f":hourglass_flowing_sand: Please answer by {expires_on}. If we haven't heard from "
            "you by then, we pass the request on, so nobody is left waiting. Accepting starts "
            "the mentorship: we'll introduce you both in a group DM.",
        ),
        ActionsBlock(
            block_id=RequestIds.REQUEST_ACTIONS_BLOCK,
            elements=[
                ButtonElement(
                    text="Accept",
                    action_id=RequestIds.ACCEPT,
                    value=str(request_id),
                    style="primary",
                ),
                ButtonElement(text="Decline", action_id=RequestIds.DECLINE, value=str(request_id)),
            ],
        ),
    ]
    name = excerpt(mentee_name, NAME_SHOWN, one_line=True) or f"<@{mentee_user_id}>"
    text = f"{name} would like you to be their mentor. Please answer by {expires_on}."
    return text, blocks


def request_answered_blocks(
    *, accepted: bool, mentee_user_id: str, when: str
) -> tuple[str, list[Block]]:
    """(fallback text, blocks) that replace the request DM once the mentor answered."""
    if accepted:
        text = (
            f":white_check_mark: *You accepted <@{mentee_user_id}>'s request* on {when}. "
            "We've introduced you both in a group DM. Thank you for mentoring!"
        )
    else:
        text = (
            f":ok_hand: *You declined <@{mentee_user_id}>'s request* on {when}. Thanks for "
            "answering: we've let them know kindly and will help them find someone else."
        )
    return text.replace("*", ""), [section(RequestIds.ANSWERED_BLOCK, text)]


def request_expired_blocks(*, mentee_user_id: str, on: str) -> tuple[str, list[Block]]:
    """(fallback text, blocks) that replace the request DM once it expired unanswered."""
    text = (
        f":hourglass: *<@{mentee_user_id}>'s request expired* on {on} before you answered, "
        "so we passed it on. Nothing more to do here."
    )
    return text.replace("*", ""), [section(RequestIds.ANSWERED_BLOCK, text)]


def decline_modal(*, mentee_user_id: str, private_metadata: str) -> View:
    """Asks for an optional, kind reason before declining."""
    check_metadata(private_metadata)
    name = f"<@{mentee_user_id}>"
    return View(
        type="modal",
        callback_id=RequestIds.DECLINE_CALLBACK,
        title="Decline request",
        submit="Decline",
        close="Cancel",
        private_metadata=private_metadata or None,
        blocks=[
            section(
                RequestIds.DECLINE_TEXT_BLOCK,
                f"We'll let {name} know you can't take them on right now, and ask their "
                "next choice if they have one. Saying no is fine: it helps them find "
                "the right person sooner.",
            ),
            InputBlock(
                block_id=RequestIds.REASON_BLOCK,
                label="A word for them",
                hint="We pass this on. A kind word helps, e.g. “I'm at capacity this quarter” "
                "or “Sam knows this area better than me”.",
                optional=True,
                element=PlainTextInputElement(
                    action_id=RequestIds.REASON_ACTION,
                    placeholder="Why you can't take them on right now",
                    multiline=True,
                    max_length=DECLINE_REASON_MAX,
                ),
            ),
        ],
    )


def decline_refused_modal(text: str) -> View:
    """Replaces the decline modal when the request could not be declined, saying why."""
    return View(
        type="modal",
        callback_id=RequestIds.NOTICE_CALLBACK,
        title="Decline request",
        close="Close",
        blocks=[section(RequestIds.DECLINE_TEXT_BLOCK, escape(text))],
    )


# --- the mentee's notices -------------------------------------------------------------------


def request_sent_message(picks_user_ids: Sequence[str], expires_on: str) -> tuple[str, list[Block]]:
    """Confirms the request went out, and what happens next."""
    if not 1 <= len(picks_user_ids) <= MAX_CHOICES:
        raise ValueError(f"between 1 and {MAX_CHOICES} people, got {len(picks_user_ids)}")
    if not expires_on.strip():
        raise ValueError("a request on its way has a date to answer by")
    names = [f"<@{u}>" for u in picks_user_ids]
    text = (
        f":envelope_with_arrow: Your request is on its way to {names[0]}. They have until "
        f"{expires_on} to answer, and we'll DM you as soon as they do."
    )
    if len(names) == 2:
        text += f" If they can't take you on, we'll ask {names[1]} next."
    elif len(names) == 3:
        text += f" If they can't take you on, we'll ask {names[1]} next, then {names[2]}."
    return _notice(text)


def declined_message(
    *, mentor_user_id: str, reason: str | None, next_user_id: str | None
) -> tuple[str, list[Block]]:
    """Tells the mentee, gently, that a mentor said no, and what happens now."""
    text = (
        f"<@{mentor_user_id}> can't take you on right now. That happens for all kinds of "
        "reasons, most often timing, and says nothing about you."
    )
    detail = None
    if reason and reason.strip():
        detail = f"They said: “{excerpt(reason, DECLINE_REASON_SHOWN, one_line=True)}”"
    return _notice(text + " " + _what_next(next_user_id), detail, find=not next_user_id)


def expired_message(*, mentor_user_id: str, next_user_id: str | None) -> tuple[str, list[Block]]:
    """Tells the mentee a mentor didn't answer in time, and what happens now."""
    text = (
        f"<@{mentor_user_id}> didn't get to your request in time. That usually means a "
        "busy stretch, not a no to you."
    )
    return _notice(text + " " + _what_next(next_user_id), find=not next_user_id)


def _what_next(next_user_id: str | None) -> str:
    if next_user_id:
        return f"We've asked <@{next_user_id}>, your next choice, and will let you know."
    return (
        f"Press *Find a mentor* (or type `{COMMAND} find`) to see more mentors who fit your goals."
    )


def _notice(text: str, detail: str | None = None, *, find: bool = False) -> tuple[str, list[Block]]:
    blocks: list[Block] = [section(RequestIds.NOTICE_BLOCK, text)]
    if detail:
        blocks.append(context(RequestIds.NOTICE_DETAIL_BLOCK, detail))
    if find:
        blocks.append(find_again_actions())
    fallback = text.replace("*", "")
    return (fallback if detail is None else f"{fallback}\n{detail}"), blocks
