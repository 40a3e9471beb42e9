"""Roster import in Slack: the coordinator's Home section, the upload modal, and the
report sent by DM (clipped to what one message shows; the whole of it as a file)."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.blocks.block_elements import FileInputElement
from slack_sdk.models.views import View

from bot.commands import COMMAND
from bot.roster_rows import EMAIL_COLUMNS, ROLES
from bot.views.text import escape, excerpt

PROBLEMS_SHOWN = 15  # skipped rows listed in the DM; the file has every one
SECTION_MAX = 3000  # Slack's limit on a section's text
MAX_FILE_BYTES = 2 * 1024 * 1024  # 20,000 rows is far under it; Slack allows 10 MB


class RosterIds:
    IMPORT = "roster.import"  # the coordinator's Home button
    HOME_BLOCK = "roster.home"
    MODAL_CALLBACK = "roster.import_modal"
    FILE_BLOCK = "roster.file"
    FILE_ACTION = "roster.file_input"
    HELP_BLOCK = "roster.help"
    REPORT_BLOCK = "roster.report"


COLUMNS_HELP = (
    f"A header row naming the columns: `{'`, `'.join(EMAIL_COLUMNS)}` (only `email` is "
    f"required). Role is {ROLES.replace(', both', ' or both')}; topics are separated by `;` "
    "or `|`; cohort is a cohort's name (empty: the current one). People are found in Slack "
    "by email, and importing the same file again changes nothing."
)

IMPORTING = (
    ":inbox_tray: Got *{name}*. I'm importing it now and will send you the report here "
    "when it's done (a big file takes a while: Slack lets me look up about 50 people a "
    "minute)."
)
COORDINATORS_ONLY = "Sorry, only program coordinators can import a roster."
FILE_NOT_OPENED = (
    "Sorry, only program coordinators can import a roster, so I haven't opened that file. "
    f"For everything else, type `{COMMAND} help` to see what you can do."
)
NOT_CSV = (
    "I can only import a roster from a CSV file (`.csv`), so I left *{name}* alone. " + COLUMNS_HELP
)
TOO_BIG = (
    "*{name}* is over 2 MB, more than a roster needs: split it, "
    "or use `mentorbot roster import` on the server."
)
COULD_NOT_READ = "Sorry, I couldn't import *{name}*: {why}. Nothing was changed."
CHOOSE_CSV = "Choose one CSV file (.csv)."


@dataclass(frozen=True)
class Counts:
    added: int
    updated: int
    unchanged: int
    skipped: int


def home_section() -> list[Block]:
    """One line and a button on a coordinator's Home."""
    return [
        SectionBlock(
            block_id=RosterIds.HOME_BLOCK,
            text=MarkdownTextObject(
                text="*Roster*: add people to a cohort from a CSV (email, role, topics, team, "
                "manager_email, cohort); managers and teams keep matches out of a reporting "
                "line. The report comes to our DM; you can also drop the file there."
            ),
            accessory=ButtonElement(text="Import a roster", action_id=RosterIds.IMPORT),
        )
    ]


def import_modal() -> View:
    return View(
        type="modal",
        callback_id=RosterIds.MODAL_CALLBACK,
        title="Import a roster",
        submit="Import",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=RosterIds.FILE_BLOCK,
                label="Roster (CSV)",
                element=FileInputElement(
                    action_id=RosterIds.FILE_ACTION, filetypes=["csv"], max_files=1
                ),
            ),
            ContextBlock(
                block_id=RosterIds.HELP_BLOCK,
                elements=[MarkdownTextObject(text=COLUMNS_HELP)],
            ),
        ],
    )


def summary(name: str, counts: Counts) -> str:
    return (
        f"Roster *{escape(name)}* imported: {counts.added} added, {counts.updated} updated, "
        f"{counts.unchanged} unchanged, {counts.skipped} skipped."
    )


def report_message(
    name: str, counts: Counts, problems: list[str], notes: list[str]
) -> tuple[str, list[Block], str | None]:
    """(text, blocks, the whole report as a file's text, or None when all of it shows)."""
    head = summary(name, counts)
    lines = [f"• {excerpt(line, 300, one_line=True)}" for line in notes + problems]
    shown = lines[:PROBLEMS_SHOWN]
    text = "\n".join([head, *shown])
    while len(text) > SECTION_MAX - 200 and shown:
        shown.pop()
        text = "\n".join([head, *shown])
    full = None
    if len(shown) < len(lines):
        more = len(lines) - len(shown)
        text += f"\n…and {more} more: the whole report is in the file below."
        full = "\n".join([head.replace("*", ""), *(notes + problems)]) + "\n"
    blocks: list[Block] = [
        SectionBlock(block_id=RosterIds.REPORT_BLOCK, text=MarkdownTextObject(text=text))
    ]
    return text, blocks, full
