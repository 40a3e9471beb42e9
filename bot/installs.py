"""Installs in several workspaces: slack_sdk's installation and state stores, and which
token speaks for which workspace.

With SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET set, each workspace
installs the app through Bolt's OAuth flow (/slack/install), and its bot token is kept
in the installation store, in the bot's own database (tables made by migration 0012,
not by the stores' create_tables()). Requests find their token through Bolt; work that
runs outside a request (the outbox, the scheduler, a roster import) asks `client_for`.
Without them there is one workspace and SLACK_BOT_TOKEN serves it, as before.

Uninstalling (`forget_workspace`) deletes the workspace's tokens through the store's
delete methods and withdraws its unsent messages, each marked with why.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from bot import outbox
from bot.config import Settings
from bot.db.models import (
    Announcement,
    Enrollment,
    HelpRequest,
    MatchRound,
    Mentorship,
    MentorshipRequest,
    Person,
    Program,
    RosterImport,
)

log = logging.getLogger(__name__)

# Slack's own advice for the state's life; Bolt's default too.
STATE_EXPIRATION_S = 600
UNINSTALLED = "app uninstalled from the workspace"
TOKEN_REVOKED = "the workspace revoked the bot's token"
NOT_INSTALLED = "the app is not installed in this workspace"


class SignedStateStore(SQLAlchemyOAuthStateStore):
    """The state store, with each state signed by SLACK_STATE_SECRET: a state this bot
    did not issue is refused before the database is asked, and one whose row was
    forged into the table without the secret is refused too."""

    def __init__(self, secret: str, expiration_seconds: int, engine: Engine) -> None:
        super().__init__(expiration_seconds=expiration_seconds, engine=engine)
        self._secret = secret.encode()

    def _sign(self, state: str) -> str:
        return hmac.new(self._secret, state.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, *args: object, **kwargs: object) -> str:
        state = super().issue(*args, **kwargs)
        return f"{state}.{self._sign(state)}"

    def consume(self, state: str) -> bool:
        raw, _, signature = state.rpartition(".")
        if not raw or not hmac.compare_digest(signature, self._sign(raw)):
            log.warning("oauth: refused a state this bot did not sign")
            return False
        return super().consume(raw)


@dataclass(frozen=True)
class Stores:
    installations: SQLAlchemyInstallationStore
    states: SignedStateStore


def make_stores(settings: Settings, engine: Engine) -> Stores | None:
    """The two stores on the bot's own engine, or None with one workspace (no OAuth)."""
    if not settings.oauth:
        return None
    assert settings.slack_client_id and settings.slack_state_secret  # settings.oauth says so
    return Stores(
        installations=SQLAlchemyInstallationStore(
            client_id=settings.slack_client_id, engine=engine
        ),
        states=SignedStateStore(
            settings.slack_state_secret.get_secret_value(), STATE_EXPIRATION_S, engine
        ),
    )


def client_for(base: WebClient, store: InstallationStore | None, team_id: str) -> WebClient | None:
    """A client like `base` (its timeouts and retries) with `team_id`'s bot token.

    One workspace (no store): `base` itself, with SLACK_BOT_TOKEN. With OAuth: the
    token the store keeps for that workspace, or None when it has none (never
    installed, uninstalled, or its token revoked).
    """
    if store is None:
        return base
    bot = store.find_bot(enterprise_id=None, team_id=team_id)
    if bot is None or not bot.bot_token:
        return None
    return WebClient(
        token=bot.bot_token,
        base_url=base.base_url,
        timeout=base.timeout,
        retry_handlers=list(base.retry_handlers),
        logger=base.logger,
    )


def installed_teams(store: SQLAlchemyInstallationStore) -> set[str]:
    """The workspaces whose bot token the store keeps."""
    bots = store.bots.c
    query = (
        sa.select(bots.team_id)
        .where(bots.client_id == store.client_id, bots.bot_token.is_not(None))
        .distinct()
    )
    with store.engine.connect() as connection:
        return {team for team in connection.scalars(query) if team}


# The program's rows that carry their workspace's team id; every other row of the program
# hangs off one of them. What due work selects, updates or deletes is among these.
TEAM_SCOPED = (
    Person,
    Program,
    Mentorship,
    MentorshipRequest,
    MatchRound,
    HelpRequest,
    Announcement,
    RosterImport,
)
_ONLY_TEAMS = "mentorbot.only_teams"  # in Session.info: the workspaces a session sees


def only_teams(sessions: sessionmaker[Session], teams: set[str]) -> Callable[[], Session]:
    """Sessions like `sessions`' whose ORM statements see the program's rows of `teams`
    only: due work given these skips every other workspace (one the app left), so it
    neither prompts its pairs nor moves them along."""
    return functools.partial(sessions, info={_ONLY_TEAMS: frozenset(teams)})


@event.listens_for(Session, "do_orm_execute")
def _restrict_to_teams(state: ORMExecuteState) -> None:
    found = state.session.info.get(_ONLY_TEAMS)
    if found is None or not (state.is_select or state.is_update or state.is_delete):
        return
    if (
        state.is_relationship_load
        or state.is_column_load
        # session.get() and refreshes: a row by its key, found through a scoped query
        # (hiding it there would only turn a found id into None).
        or "_sa_orm_load_options" in state.execution_options
    ):
        return
    teams = list(found)
    programs = select(Program.id).where(Program.team_id.in_(teams)).scalar_subquery()
    state.statement = state.statement.options(
        *(
            # A lambda, so the criteria follow the model into aliases (a pair's two people).
            with_loader_criteria(model, lambda cls: cls.team_id.in_(teams), include_aliases=True)
            for model in TEAM_SCOPED
        ),
        # Enrollments carry their workspace through their program (the waiting list).
        with_loader_criteria(
            Enrollment, lambda cls: cls.program_id.in_(programs), include_aliases=True
        ),
    )


def forget_workspace(
    store: SQLAlchemyInstallationStore, session: Session, team_id: str, *, why: str
) -> int:
    """The app left `team_id`: its tokens are deleted and its unsent messages withdrawn
    (marked failed with `why`, so an operator sees what happened to each); how many."""
    store.delete_bot(enterprise_id=None, team_id=team_id)
    # The installation rows carry the bot token too: none may stay.
    store.delete_installation(enterprise_id=None, team_id=team_id)
    withdrawn = outbox.withdraw_team(session, team_id, why=why)
    log.info("oauth: %s left; %d unsent message(s) withdrawn", team_id, withdrawn)
    return withdrawn


def forget_user_tokens(store: SQLAlchemyInstallationStore, team_id: str, users: list[str]) -> None:
    """User tokens revoked: their installation rows go (the bot's own token stays)."""
    for user in users:
        store.delete_installation(enterprise_id=None, team_id=team_id, user_id=user)
