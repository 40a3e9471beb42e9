"""Rematch: the confirmation modal, the Home's button beside each pair, the note to the
partner, and the mentee's fresh suggestions.

Pure builders: state in, Block Kit out. The handlers read clicks and fields by the ids in
`RematchIds`. The copy follows the program's reading: a mentorship that doesn't click
ends kindly, with no explanation asked and no blame given; people's needs change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.commands import COMMAND
from bot.views.find import MentorCard, find_again_actions, fit_label
from bot.views.text import (
    TITLE_SHOWN,
    button_label,
    check_metadata,
    clip,
    context,
    excerpt,
    reason_bullets,
    section,
    shown_reasons,
    topics_line,
)

TITLE = "Rematch"
OPTION_MAX = 75  # Slack's limit on an option's text


class RematchIds:
    HOME = "rematch.home"  # the Home's button beside a pair; its value is the mentorship id
    HOME_PREFIX = "rematch.home."  # + mentorship id: the section that holds it
    CONFIRM_CALLBACK = "rematch.confirm"
    NOTICE_CALLBACK = "rematch.notice"
    ASK_BLOCK = "rematch.ask"
    WHO_BLOCK = "rematch.who"  # several pairs: which one
    WHO_ACTION = "rematch.who_input"
    WHAT_BLOCK = "rematch.what"
    TEXT_BLOCK = "rematch.text"
    # the mentee's DM
    ENDED_BLOCK = "rematch.ended"
    OFFER_BLOCK = "rematch.offer"
    CARD_PREFIX = "rematch.card."  # + person id


@dataclass(frozen=True)
class PairChoice:
    """One of the person's open mentorships, as the modal and the Home name it."""

    mentorship_id: int
    partner_user_id: str
    partner_name: str  # plain text, for a select option (mentions don't render there)
    partner_is_mentor: bool  # True: they mentor me


@dataclass(frozen=True)
class RematchForm:
    choices: tuple[PairChoice, ...]  # one: confirm it; several: the person picks which


# --- the confirmation ---------------------------------------------------------------------


def confirm_modal(form: RematchForm, *, private_metadata: str) -> View:
    """Asks to confirm ending the pair (or, with several, which one), saying what follows."""
    check_metadata(private_metadata)
    if not form.choices:
        raise ValueError("a rematch form needs at least one pair")
    blocks: list[Block]
    if len(form.choices) == 1:
        [choice] = form.choices
        partner = f"<@{choice.partner_user_id}>"
        blocks = [
            section(
                RematchIds.ASK_BLOCK,
                f"End your mentorship with {partner} and start afresh? "
                "No explanation needed: people's needs change.",
            ),
            context(RematchIds.WHAT_BLOCK, _what_follows(choice)),
        ]
    else:
        blocks = [
            section(
                RematchIds.ASK_BLOCK,
                "Which mentorship would you like to end? No explanation needed: "
                "people's needs change.",
            ),
            InputBlock(
                block_id=RematchIds.WHO_BLOCK,
                label="Your partner",
                element=StaticSelectElement(
                    action_id=RematchIds.WHO_ACTION,
                    placeholder="Choose a partner",
                    options=[_option(choice) for choice in form.choices],
                ),
            ),
            context(
                RematchIds.WHAT_BLOCK,
                "They get a short, kind note that it has ended, with no reason given. The "
                "mentee gets fresh mentor suggestions that leave this mentor out, and the "
                "mentor's slot frees up for someone new.",
            ),
        ]
    return View(
        type="modal",
        callback_id=RematchIds.CONFIRM_CALLBACK,
        title=TITLE,
        submit="Yes, rematch",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=blocks,
    )


def _what_follows(choice: PairChoice) -> str:
    partner = f"<@{choice.partner_user_id}>"
    told = f"{partner} gets a short, kind note that it has ended, with no reason given."
    if choice.partner_is_mentor:
        return f"{told} You get fresh mentor suggestions by DM, and {partner} won't be among them."
    return f"{told} They get fresh mentor suggestions, and your slot frees up for someone new."


def _option(choice: PairChoice) -> Option:
    role = "your mentor" if choice.partner_is_mentor else "your mentee"
    name = clip(choice.partner_name, OPTION_MAX - len(role) - 3)
    return Option(value=str(choice.mentorship_id), label=f"{name} ({role})")


def notice_modal(text: str) -> View:
    """What became of the confirmation (done, already ended, not theirs): our words."""
    return View(
        type="modal",
        callback_id=RematchIds.NOTICE_CALLBACK,
        title=TITLE,
        close="Close",
        blocks=[section(RematchIds.TEXT_BLOCK, text)],
    )


def done_text(choice: PairChoice, *, offered: bool) -> str:
    """The DM that answers a mentor's confirmation (a mentee's is their suggestions DM);
    `offered`: the mentee was sent fresh suggestions."""
    partner = f"<@{choice.partner_user_id}>"
    done = (
        f":white_check_mark: Done. Your mentorship with {partner} has ended, and they've "
        "been told kindly, with no reason given."
    )
    if choice.partner_is_mentor:
        if offered:
            return f"{done} Fresh mentor suggestions are in your DMs, without {partner}."
        return done
    if offered:
        return f"{done} Your slot is free again, and {partner} gets fresh mentor suggestions."
    return f"{done} Your slot is free again."


ALREADY_ENDED = (
    "This mentorship has already ended (perhaps a moment ago), so there's nothing more to do."
)
NOT_YOURS = "Sorry, that isn't one of your mentorships, so I can't end it. Nothing was changed."
NOTHING_TO_REMATCH = (
    "You don't have a mentorship to rematch right now. "
    f"To look for a mentor, type `{COMMAND} find`."
)


# --- the App Home -------------------------------------------------------------------------


def home_blocks(choices: Sequence[PairChoice]) -> list[Block]:
    """A line with a Rematch button beside each of the person's open pairs."""
    blocks: list[Block] = []
    for choice in choices:
        role = "your mentor" if choice.partner_is_mentor else "your mentee"
        blocks.append(
            SectionBlock(
                block_id=f"{RematchIds.HOME_PREFIX}{choice.mentorship_id}",
                text=MarkdownTextObject(
                    text=f"<@{choice.partner_user_id}>, {role}: not the right fit? "
                    "Start afresh, no explanation needed."
                ),
                accessory=ButtonElement(
                    text="Rematch",
                    action_id=RematchIds.HOME,
                    value=str(choice.mentorship_id),
                    accessibility_label=button_label(
                        f"End your mentorship with {choice.partner_name} and rematch"
                    ),
                ),
            )
        )
    return blocks


# --- what the two are told ----------------------------------------------------------------


def mentor_told_text(*, mentee_user_id: str) -> str:
    """The DM to a mentor whose mentee asked for a rematch."""
    return (
        f":wave: <@{mentee_user_id}> asked to be matched with someone new, so your mentorship "
        "with them has ended. People's needs change, and it says nothing about you. Thank you "
        "for the time and care you gave; your slot is free again for someone new."
    )


@dataclass(frozen=True)
class Offer:
    """The mentee's DM: how the pair ended, and who fits them now."""

    old_mentor_user_id: str
    by_mentor: bool  # the mentor asked: the DM tells the mentee so, kindly
    cards: tuple[MentorCard, ...] = ()  # none: nobody fits (the find flow put them on its list)
    can_search: bool = True  # False: no longer looking for a mentor (the text says how)


def offer_message(offer: Offer) -> tuple[str, list[Block]]:
    """(fallback text, blocks) of the mentee's DM after a rematch."""
    old = f"<@{offer.old_mentor_user_id}>"
    if offer.by_mentor:
        ended = (
            f":wave: {old} asked for a rematch, so your mentorship with them has ended. "
            "People's needs change, and it isn't about you."
        )
    else:
        ended = (
            f":white_check_mark: Done: your mentorship with {old} has ended, and they've been "
            "told kindly, with no reason given."
        )
    blocks: list[Block] = [section(RematchIds.ENDED_BLOCK, ended)]
    if not offer.can_search:
        blocks.append(
            section(
                RematchIds.OFFER_BLOCK,
                f"Whenever you'd like another mentor, type `{COMMAND} find`.",
            )
        )
        return ended.replace("*", ""), blocks
    if offer.cards:
        blocks.append(
            section(
                RematchIds.OFFER_BLOCK,
                f"*Mentors who fit your goals now*, with the reasons ({old} isn't among them). "
                "Press *Find a mentor* to choose and send a request.",
            )
        )
        blocks += [_card(card) for card in offer.cards]
    else:
        blocks.append(
            section(
                RematchIds.OFFER_BLOCK,
                ":seedling: *No other mentor fits your goals just yet.* You're on the waiting "
                "list: I'll send you a DM as soon as one who fits joins or frees up a slot.",
            )
        )
    blocks.append(find_again_actions())
    text = f"Your mentorship with {old} has ended: here's a fresh start."
    return text, blocks


def _card(card: MentorCard) -> SectionBlock:
    """A suggested mentor, as the search shows them (without its Choose button)."""
    lines = [f"*<@{card.user_id}>*"]
    if card.title:
        lines[0] += f" · {excerpt(card.title, TITLE_SHOWN, one_line=True)}"
    second = fit_label(card.score)
    if card.topics:
        second += f" · {topics_line(card.topics)}"
    lines.append(second)
    reasons = shown_reasons(card.reasons)
    if reasons:
        lines.append(reason_bullets(reasons))
    return section(f"{RematchIds.CARD_PREFIX}{card.person_id}", "\n".join(lines))
