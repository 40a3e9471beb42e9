"""The `/mentor help` answer: the subcommands this person may use."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.commands import COMMAND, Subcommand

MAX_ECHO = 60  # how much of an unrecognised command we repeat back


def help_text(subcommands: list[Subcommand], not_understood: str | None = None) -> str:
    """The plain-text fallback Slack shows in notifications and screen readers."""
    lines = []
    if not_understood is not None:
        lines.append(f"Sorry, I don't know `{_echo(not_understood)}`.")
    lines.append("Here's what you can do:")
    lines += [f"• {sub.usage}: {sub.summary}" for sub in subcommands]
    return "\n".join(lines)


def help_blocks(subcommands: list[Subcommand], not_understood: str | None = None) -> list[Block]:
    blocks: list[Block] = []
    if not_understood is not None:
        blocks.append(
            SectionBlock(
                block_id="help.unknown",
                text=MarkdownTextObject(
                    text=f":thinking_face: Sorry, I don't know `{_echo(not_understood)}`. "
                    "Here's what you can do instead."
                ),
            )
        )
    blocks.append(HeaderBlock(block_id="help.header", text="mentorbot: what you can do"))
    usage = "\n".join(f"`{sub.usage}`  {sub.summary}" for sub in subcommands)
    blocks.append(SectionBlock(block_id="help.commands", text=MarkdownTextObject(text=usage)))
    blocks.append(
        ContextBlock(
            block_id="help.footer",
            elements=[
                MarkdownTextObject(
                    text=f"Your mentorship profile and matches also live on mentorbot's Home tab. "
                    f"Type `{COMMAND} help` any time to see this list again."
                )
            ],
        )
    )
    return blocks


def _echo(text: str) -> str:
    cleaned = text.replace("`", "'").strip()
    return cleaned if len(cleaned) <= MAX_ECHO else cleaned[: MAX_ECHO - 1] + "…"
