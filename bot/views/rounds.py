"""The coordinator's view of a matching round: the proposal, to drop pairs and approve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.views.find import fit_label
from bot.views.text import escape

PAIRS_SHOWN = 40  # a modal holds 100 blocks; the CSV has every pair
UNMATCHED_SHOWN = 15


class RoundIds:
    CALLBACK = "round.approve"
    WORKING_CALLBACK = "round.working"
    DROP = "round.drop"
    SWAP_BLOCK = "round.swap"
    SWAP_A = "round.swap.a"
    SWAP_B = "round.swap.b"
    SWAP = "round.swap.go"
    NOTICE_BLOCK = "round.notice"
    SUMMARY_BLOCK = "round.summary"
    UNMATCHED_BLOCK = "round.unmatched"


@dataclass(frozen=True)
class ProposedPair:
    pair_id: int
    mentee_user_id: str
    mentor_user_id: str
    score: float
    reasons: tuple[str, ...]
    dropped: bool = False
    mentee_name: str = ""
    mentor_name: str = ""

    @property
    def label(self) -> str:
        """Plain text (option labels cannot mention people): 'Ana with Ben'."""
        mentee = self.mentee_name or self.mentee_user_id
        mentor = self.mentor_name or self.mentor_user_id
        return f"{mentee} with {mentor}"[:75]


@dataclass(frozen=True)
class Unmatched:
    mentee_user_id: str
    reason: str


@dataclass(frozen=True)
class Proposal:
    round_id: int
    program_name: str
    pairs: tuple[ProposedPair, ...]
    unmatched: tuple[Unmatched, ...]
    total_score: float
    seconds: float
    certified: bool
    notice: str | None = None  # the outcome of the coordinator's last change


def working_modal(program_name: str) -> View:
    return View(
        type="modal",
        callback_id=RoundIds.WORKING_CALLBACK,
        title="Matching round",
        close="Close",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f":hourglass_flowing_sand: Working out the best pairs for "
                    f"*{escape(program_name)}*. This takes a few seconds for a large cohort."
                )
            )
        ],
    )


def proposal_modal(proposal: Proposal) -> View:
    kept = [p for p in proposal.pairs if not p.dropped]
    certainty = "proven optimal" if proposal.certified else "best found"
    blocks: list[Block] = [
        SectionBlock(
            block_id=RoundIds.SUMMARY_BLOCK,
            text=MarkdownTextObject(
                text=(
                    f"*{escape(proposal.program_name)}*: {len(kept)} pair(s) proposed, "
                    f"{len(proposal.unmatched)} mentee(s) without a fitting mentor.\n"
                    f"Total fit {proposal.total_score:.2f} ({certainty}, solved in "
                    f"{proposal.seconds:.1f} s). Drop any pair you disagree with, then approve: "
                    "only then are the intros sent."
                )
            ),
        ),
    ]
    if proposal.notice:
        blocks.append(
            ContextBlock(
                block_id=RoundIds.NOTICE_BLOCK,
                elements=[MarkdownTextObject(text=escape(proposal.notice)[:3000])],
            )
        )
    swappable = kept[:PAIRS_SHOWN]
    if len(swappable) >= 2:
        options = [Option(value=str(p.pair_id), text=p.label) for p in swappable]
        blocks.append(
            ActionsBlock(
                block_id=RoundIds.SWAP_BLOCK,
                elements=[
                    StaticSelectElement(
                        action_id=RoundIds.SWAP_A,
                        placeholder="Swap the mentor of…",
                        options=options,
                    ),
                    StaticSelectElement(
                        action_id=RoundIds.SWAP_B,
                        placeholder="…with the mentor of",
                        options=options,
                    ),
                    ButtonElement(text="Swap mentors", action_id=RoundIds.SWAP, value="swap"),
                ],
            )
        )
    blocks.append(DividerBlock())
    for pair in proposal.pairs[:PAIRS_SHOWN]:
        line = f"<@{pair.mentee_user_id}> with <@{pair.mentor_user_id}> · {fit_label(pair.score)}"
        if pair.dropped:
            blocks.append(
                SectionBlock(
                    block_id=f"round.pair.{pair.pair_id}",
                    text=MarkdownTextObject(text=f"~{line}~  _dropped_"),
                )
            )
            continue
        why = "\n".join(f"• {escape(r)}" for r in pair.reasons[:2])
        blocks.append(
            SectionBlock(
                block_id=f"round.pair.{pair.pair_id}",
                text=MarkdownTextObject(text=f"{line}\n{why}"[:3000]),
                accessory=ButtonElement(
                    text="Drop", action_id=RoundIds.DROP, value=str(pair.pair_id)
                ),
            )
        )
    if len(proposal.pairs) > PAIRS_SHOWN:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"…and {len(proposal.pairs) - PAIRS_SHOWN} more pairs: "
                        "every pair is in the CSV I sent you."
                    )
                ]
            )
        )
    if proposal.unmatched:
        lines = [
            f"<@{u.mentee_user_id}>: {escape(u.reason)}"
            for u in proposal.unmatched[:UNMATCHED_SHOWN]
        ]
        more = len(proposal.unmatched) - UNMATCHED_SHOWN
        if more > 0:
            lines.append(f"…and {more} more (see the CSV)")
        blocks += [
            DividerBlock(),
            SectionBlock(
                block_id=RoundIds.UNMATCHED_BLOCK,
                text=MarkdownTextObject(
                    text=("*Without a match this round*\n" + "\n".join(lines))[:3000]
                ),
            ),
        ]
    return View(
        type="modal",
        callback_id=RoundIds.CALLBACK,
        title="Matching round",
        submit="Approve & introduce",
        close="Not now",
        private_metadata=str(proposal.round_id),
        blocks=blocks,
    )


def unknown_cohort_text(name: str, known: Sequence[str]) -> str:
    cohorts = ", ".join(escape(k) for k in known) or "none yet"
    return f"There is no cohort named *{escape(name)}*. Cohorts: {cohorts}."


SLACK_BUSY = "Slack is busy; please try `/mentor match` again in a moment."


def approved_text(started: int, skipped: Sequence[str]) -> str:
    text = f"Round approved: {started} new mentorship(s) started, and each pair got an intro."
    if skipped:
        text += (
            f" {len(skipped)} pair(s) were skipped because the mentor filled up meanwhile: "
            + ", ".join(escape(name) for name in skipped)
            + "."
        )
    return text


@dataclass(frozen=True)
class Preview:
    """A round as the terminal prints it (`mentorbot match --dry-run`); people by person id."""

    program_name: str
    team_id: str
    names: dict[int, str]
    pairs: tuple[tuple[int, int, float, tuple[str, ...]], ...]  # mentee, mentor, fit, why
    unmatched: tuple[tuple[int, str], ...]  # mentee, why
    total_score: float
    seconds: float
    certified: bool


def round_text(preview: Preview) -> str:
    """The proposal as plain text for a terminal (`mentorbot match --dry-run`)."""
    names, pairs, unmatched = preview.names, preview.pairs, preview.unmatched
    lines = [
        f'Matching round for "{preview.program_name}" (team {preview.team_id}): '
        f"{len(pairs)} pair(s), {len(unmatched)} unmatched",
        "",
        f"{'mentee':<28} {'mentor':<28} {'fit':>5}  why",
    ]
    for mentee, mentor, score, reasons in pairs:
        why = "; ".join(reasons[:2])
        lines.append(f"{names[mentee][:28]:<28} {names[mentor][:28]:<28} {score:>5.3f}  {why}")
    if unmatched:
        lines += ["", f"Unmatched ({len(unmatched)}):"]
        lines += [f"  {names[mentee]}: {reason}" for mentee, reason in unmatched]
    certainty = "proven optimal" if preview.certified else "best found"
    lines += [
        "",
        f"Total fit {preview.total_score:.3f} ({certainty}), solved in {preview.seconds:.2f} s",
    ]
    return "\n".join(lines)
