"""Rights from `/mentor`: `coordinators [add|remove @someone...]` and `audit [N]`.

Both are Audience.COORDINATORS: the `/mentor` dispatcher checks the caller on the server
before these run (and audits a member's attempt).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import coordinators
from bot.coordinators import AT_ONCE, Accounts, CountError, UsageError, Verb, parse_wanted
from bot.people import SlackProfile
from bot.views.coordinators import (
    AUDIT_USAGE,
    Roster,
    audit_message,
    outcomes_text,
    roster_message,
    usage_text,
)
from handlers.invocation import Invocation, Route

log = logging.getLogger(__name__)


def manage(call: Invocation) -> None:
    """List at once; remove at once; add after asking Slack who each person is, so the
    answer comes through the response URL (users.info may outlast the 3 s ack)."""
    try:
        wanted = parse_wanted(call.parsed.rest)
    except UsageError as bad:
        text = usage_text(bad.leftover, too_many=AT_ONCE if bad.too_many else None)
        call.ack(response_type="ephemeral", text=text)
        return
    adding = wanted.verb is Verb.ADD
    if adding:
        call.ack()
    accounts = _accounts(call.client, wanted.user_ids) if adding else {}
    deps = call.deps
    with deps.uow() as uow:
        done = coordinators.answer(
            uow.session,
            deps.settings,
            wanted,
            team_id=call.team_id,
            actor=call.user_id,
            accounts=accounts,
            now=deps.clock(),
        )
    if isinstance(done, Roster):
        text, blocks = roster_message(done)
        call.ack(response_type="ephemeral", text=text, blocks=blocks)
    elif adding:
        call.respond(response_type="ephemeral", text=outcomes_text(done, call.user_id))
    else:
        call.ack(response_type="ephemeral", text=outcomes_text(done, call.user_id))


def audit(call: Invocation) -> None:
    deps = call.deps
    try:
        with deps.uow() as uow:
            trail = coordinators.trail(uow.session, call.team_id, call.parsed.rest)
    except CountError:
        call.ack(response_type="ephemeral", text=AUDIT_USAGE)
        return
    text, blocks = audit_message(trail)
    call.ack(response_type="ephemeral", text=text, blocks=blocks)


COMMANDS: dict[str, Route] = {"coordinators": manage, "audit": audit}


def _accounts(client: WebClient, user_ids: Sequence[str]) -> Accounts:
    """What Slack says of each person (None: no such user); left out when Slack would
    not say, so a busy Slack does not stop a coordinator from adding someone."""
    found: dict[str, SlackProfile | None] = {}
    for user_id in user_ids:
        try:
            found[user_id] = SlackProfile.from_users_info(client.users_info(user=user_id)["user"])
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error in ("user_not_found", "users_not_found"):
                found[user_id] = None
            else:
                log.warning("users.info failed for a coordinator to add: %s", error)
    return found
