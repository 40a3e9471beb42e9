"""Installs in several workspaces (OAuth): two workspaces install the app through the real
flow (/slack/install, the emulator's install page, /slack/oauth_redirect, oauth.v2.access),
their people join and get their messages, each through their own workspace's token only,
and a coordinator sees only their own program; uninstalling (`app_uninstalled`,
`tokens_revoked`, signed, through the real endpoint) keeps no token and sends nothing more.
"""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.client import HTTPMessage
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot import mentorships, outbox
from bot.app import build_app
from bot.db.enums import EnrollmentRole, OutboxStatus
from bot.db.models import (
    CheckIn,
    Mentorship,
    OutboxMessage,
    Person,
    slack_bots,
    slack_installations,
    slack_oauth_states,
)
from bot.emulator import SlackDriver, SlackEmulator
from bot.emulator.installs import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SESSION_COOKIE
from bot.installs import NOT_INSTALLED, TOKEN_REVOKED, UNINSTALLED
from bot.profile import Profile
from bot.programs import current_program
from bot.server import build_asgi
from bot.views.enrollment import submission_values
from tests.integration.conftest import SIGNING_SECRET, Rig, _Mount, rig_runtime, rig_settings

ACME, GLOBEX = "T0ACME01", "T0GLOBEX"
STATE_SECRET = "test-state-secret"
# Who is in each workspace: a coordinator, mentors and mentees (Globex has one mentee more).
PEOPLE = {
    ACME: {"coordinator": "U0ACOORD", "mentors": ["U0AMENT1"], "mentees": ["U0AMENE1"]},
    GLOBEX: {
        "coordinator": "U0GCOORD",
        "mentors": ["U0GMENT1"],
        "mentees": ["U0GMENE1", "U0GMENE2"],
    },
}


class Browser:
    """A person's browser: follows links and redirects and keeps cookies per name (on
    127.0.0.1 a browser sends Secure cookies too, as it does for localhost)."""

    def __init__(self, slack_session: str) -> None:
        self.cookies = {SESSION_COOKIE: slack_session}

    def get(self, url: str) -> tuple[int, HTTPMessage, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(url, headers={"Cookie": cookie})
        opener = urllib.request.build_opener(_NoRedirects())
        try:
            with opener.open(request, timeout=10) as reply:
                status, headers, body = reply.status, reply.headers, reply.read()
        except urllib.error.HTTPError as e:
            status, headers, body = e.code, e.headers, e.read()
        for set_cookie in headers.get_all("Set-Cookie") or []:
            name, _, rest = set_cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";")[0]
        return status, headers, body.decode("utf-8", "replace")

    def visit(self, url: str) -> tuple[int, str]:
        """Open `url` and follow its redirects; the last status and page."""
        for _ in range(5):
            status, headers, page = self.get(url)
            if status not in (301, 302, 303, 307):
                return status, page
            url = headers["Location"]
        raise AssertionError("too many redirects")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Workspaces:
    """One bot serving both workspaces; a Rig seen from each."""

    rigs: dict[str, Rig]
    emulator: SlackEmulator
    base_url: str

    def install(self, team: str, installer: str) -> int:
        """The installer opens /slack/install, clicks "Add to Slack", then "Allow"."""
        browser = Browser(f"{team}:{installer}")
        status, page = browser.visit(f"{self.base_url}/slack/install")
        assert status == 200, page
        link = html.unescape(re.search(r'href="([^"]*oauth/v2/authorize[^"]*)"', page)[1])
        status, _ = browser.visit(link)
        return status

    def token(self, team: str) -> str:
        with self.rigs[team].runtime.engine.connect() as connection:
            found = connection.scalars(
                select(slack_bots.c.bot_token).where(slack_bots.c.team_id == team)
            ).all()
        assert len(found) == 1, found
        return str(found[0])

    def join(self, team: str) -> None:
        """Everyone of `team` joins through the modal."""
        rig = self.rigs[team]
        people = PEOPLE[team]
        rig.emulator.add_user(people["coordinator"], real_name="Coordinator " + team)
        for role, users in (
            (EnrollmentRole.MENTOR, people["mentors"]),
            (EnrollmentRole.MENTEE, people["mentees"]),
        ):
            for user in users:
                rig.emulator.add_user(user, real_name=f"Person {user}", tz="UTC")
                answer = rig.slack.slash_command(user, "join")
                assert answer.status == 200, answer.text
                rig.settle()
                profile = Profile(
                    role=role,
                    topics=("MLOps",),
                    goals="Grow into ML engineering within a year.",
                    capacity=2,
                    timezone="UTC",
                )
                answer = rig.slack.view_submission(user, values=submission_values(profile))
                assert answer.status == 200, answer.text


def _everyone(team: str) -> list[str]:
    people = PEOPLE[team]
    return [people["coordinator"], *people["mentors"], *people["mentees"]]


@pytest.fixture
def oauth_emulator() -> Iterator[SlackEmulator]:
    # No token to begin with: the app is installed in neither workspace yet.
    with SlackEmulator(
        tokens=[], team_id=ACME, team_name="Acme", bot_id="B0ACME01", bot_user_id="U0ACMEBT"
    ) as emulator:
        emulator.add_team(GLOBEX, "Globex", bot_id="B0GLOBEX", bot_user_id="U0GLOBBT")
        yield emulator


@pytest.fixture
def workspaces(
    oauth_emulator: SlackEmulator, db_url: str, _http: tuple[_Mount, str]
) -> Iterator[Workspaces]:
    mount, base_url = _http
    settings = rig_settings(
        oauth_emulator,
        db_url,
        slack_bot_token=None,
        slack_client_id=DEFAULT_CLIENT_ID,
        slack_client_secret=DEFAULT_CLIENT_SECRET,
        slack_state_secret=STATE_SECRET,
        admins=",".join(PEOPLE[t]["coordinator"] for t in PEOPLE),
    )
    settings.require_for_serving()
    runtime = rig_runtime(settings)
    app = build_app(runtime.deps, stores=runtime.stores)
    listeners = app.listener_runner.listener_executor
    mount.mount(build_asgi(app, runtime.engine, signing_secret=SIGNING_SECRET))
    # The Slack app config's Redirect URL, as the README tells operators to set it.
    oauth_emulator.redirect_urls = [f"{base_url}/slack/oauth_redirect"]
    rigs = {}
    for team in (ACME, GLOBEX):
        seen_from = oauth_emulator.team(team)
        driver = SlackDriver(
            f"{base_url}/slack/events", SIGNING_SECRET, emulator=seen_from, team_id=team
        )
        rigs[team] = Rig(seen_from, driver, runtime, base_url, listeners)  # type: ignore[arg-type]
    try:
        yield Workspaces(rigs, oauth_emulator, base_url)
    finally:
        mount.unmount()
        listeners.wait_idle(10)
        listeners.shutdown(wait=True)
        runtime.close()


def _tokens_used_for(emulator: SlackEmulator, team: str, user: str) -> set[str | None]:
    """The tokens of every call that named `user` or their DM with the app in `team`."""
    dm = emulator.team(team).dm_channel_id(user)
    named = {user, dm}
    used = set()
    for call in emulator.calls():
        args = call.args
        mentioned = {args.get("user"), args.get("channel"), args.get("user_id")}
        mentioned |= set(str(args.get("users") or "").split(","))
        if named & mentioned:
            used.add(call.token)
    return used


def test_two_workspaces_install_through_oauth_and_their_people_prompts_and_programs_never_mix(
    workspaces: Workspaces,
) -> None:
    emulator = workspaces.emulator
    assert workspaces.install(ACME, PEOPLE[ACME]["coordinator"]) == 200
    assert workspaces.install(GLOBEX, PEOPLE[GLOBEX]["coordinator"]) == 200
    tokens = {team: workspaces.token(team) for team in (ACME, GLOBEX)}
    assert tokens[ACME] != tokens[GLOBEX]
    assert [c.ok for c in emulator.calls("oauth.v2.access")] == [True, True]

    for team in (ACME, GLOBEX):
        workspaces.join(team)
    workspaces.rigs[ACME].run_due()

    for team, other in ((ACME, GLOBEX), (GLOBEX, ACME)):
        for user in [*PEOPLE[team]["mentors"], *PEOPLE[team]["mentees"]]:
            # Their welcome went to their own workspace, with its token and no other.
            assert emulator.team(team).messages_for(user), f"{user} got nothing in {team}"
            assert emulator.team(other).messages_for(user) == []
            assert _tokens_used_for(emulator, team, user) == {tokens[team]}
    with workspaces.rigs[ACME].runtime.deps.sessions() as session:
        people = session.execute(select(Person.team_id, Person.slack_user_id)).all()
    for team, user in people:
        assert user in _everyone(team)

    # Each coordinator's program health counts their own workspace's people only.
    for team, expected in ((ACME, "1 mentor, 1 mentee"), (GLOBEX, "1 mentor, 2 mentees")):
        rig = workspaces.rigs[team]
        answer = rig.slack.slash_command(PEOPLE[team]["coordinator"], "stats")
        assert answer.status == 200, answer.text
        rig.settle()
        shown = str(rig.emulator.messages_for(PEOPLE[team]["coordinator"])) + answer.text
        assert expected in shown


def _team_rows(rig: Rig, team: str) -> list[OutboxMessage]:
    with rig.runtime.deps.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.team_id == team)
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def _kept_tokens(rig: Rig) -> list[tuple[str, str | None]]:
    with rig.runtime.engine.connect() as connection:
        return [
            *connection.execute(select(slack_bots.c.team_id, slack_bots.c.bot_token)).all(),
            *connection.execute(
                select(slack_installations.c.team_id, slack_installations.c.bot_token)
            ).all(),
        ]


@pytest.mark.parametrize(
    ("event", "why"),
    [
        ({"type": "app_uninstalled"}, UNINSTALLED),
        ({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0GLOBBT"]}}, TOKEN_REVOKED),
    ],
    ids=["app_uninstalled", "tokens_revoked"],
)
def test_uninstalling_keeps_no_token_and_sends_that_workspace_nothing_more(
    workspaces: Workspaces, event: dict[str, Any], why: str
) -> None:
    emulator = workspaces.emulator
    for team in (ACME, GLOBEX):
        assert workspaces.install(team, PEOPLE[team]["coordinator"]) == 200
        workspaces.join(team)
    gone = workspaces.token(GLOBEX)
    globex = workspaces.rigs[GLOBEX]
    globex.settle()
    pending = [m for m in _team_rows(globex, GLOBEX) if m.status == OutboxStatus.PENDING]
    assert pending, "the joins queued nothing to send"

    emulator.uninstall(GLOBEX)  # Slack side: the token stops working, then the event
    answer = globex.slack.event(event)
    assert answer.status == 200, answer.text
    globex.settle()

    kept = _kept_tokens(globex)
    assert [team for team, _ in kept if team == GLOBEX] == []
    assert gone not in {token for _, token in kept}
    rows = {m.id: m for m in _team_rows(globex, GLOBEX)}
    for message in pending:  # marked with why, not dropped without a trace
        assert rows[message.id].status == OutboxStatus.FAILED
        assert rows[message.id].last_error == why

    # Due work queues a Globex prompt after all: it is withdrawn, never sent.
    with globex.runtime.deps.sessions() as session:
        outbox.enqueue(
            session,
            team_id=GLOBEX,
            key="after-uninstall",
            method="chat.postMessage",
            payload={"channel": PEOPLE[GLOBEX]["mentees"][0], "text": "Time to check in"},
            not_before=datetime.now(UTC),
        )
        session.commit()
    emulator.clear()
    report = globex.run_due(datetime.now(UTC))

    assert [c for c in emulator.calls() if c.token == gone] == []
    late = next(m for m in _team_rows(globex, GLOBEX) if m.idempotency_key == "after-uninstall")
    assert (late.status, late.last_error) == (OutboxStatus.FAILED, NOT_INSTALLED)
    # Acme is untouched: its people's messages went out with its own token.
    assert report.delivered.sent > 0
    acme_token = workspaces.token(ACME)
    assert {c.token for c in emulator.calls("chat.postMessage")} <= {acme_token}
    assert all(m.status == OutboxStatus.SENT for m in _team_rows(globex, ACME))


def test_an_install_whose_state_the_bot_did_not_sign_is_refused_and_no_code_is_exchanged(
    workspaces: Workspaces,
) -> None:
    emulator = workspaces.emulator
    rig = workspaces.rigs[ACME]
    # A state in the store's table, but not signed with SLACK_STATE_SECRET.
    forged = "4f1c9d0e-forged-state"
    with rig.runtime.engine.begin() as connection:
        connection.execute(
            slack_oauth_states.insert().values(state=forged, expire_at=datetime(2100, 1, 1))
        )
    browser = Browser(f"{ACME}:{PEOPLE[ACME]['coordinator']}")
    query = urlencode({"client_id": DEFAULT_CLIENT_ID, "scope": "commands", "state": forged})
    status, headers, _ = browser.get(f"{emulator.authorize_url}?{query}")
    assert status == 302
    browser.cookies["slack-app-oauth-state"] = forged

    status, _ = browser.visit(headers["Location"])

    assert status >= 400
    assert emulator.calls("oauth.v2.access") == []
    assert _kept_tokens(rig) == []


def _pair_up(rig: Rig, team: str, now: datetime) -> int:
    """The team's first mentor takes its first mentee, as of `now`."""
    with rig.runtime.deps.uow() as uow:
        session = uow.session
        people = {
            p.slack_user_id: p
            for p in session.scalars(select(Person).where(Person.team_id == team))
        }
        mentorship = mentorships.start(
            session,
            current_program(session, team, now),
            people[PEOPLE[team]["mentors"][0]],
            people[PEOPLE[team]["mentees"][0]],
            score=None,
            reasons=[],
            now=now,
            default_tz="UTC",
        )
        assert mentorship is not None
        return mentorship.id


def test_due_work_skips_a_workspace_the_app_left(workspaces: Workspaces) -> None:
    emulator = workspaces.emulator
    for team in (ACME, GLOBEX):
        assert workspaces.install(team, PEOPLE[team]["coordinator"]) == 200
        workspaces.join(team)
    rig = workspaces.rigs[ACME]
    rig.settle()
    kickoff = datetime.now(UTC)
    pairs = {team: _pair_up(rig, team, kickoff) for team in (ACME, GLOBEX)}
    rig.run_due(kickoff)  # welcomes and intros out of the way
    emulator.uninstall(GLOBEX)
    assert workspaces.rigs[GLOBEX].slack.event({"type": "app_uninstalled"}).status == 200
    rig.settle()
    with rig.runtime.deps.sessions() as session:
        due = {t: session.get(Mentorship, i).next_checkin_at for t, i in pairs.items()}

    rig.run_due(max(due.values()) + timedelta(hours=12))

    with rig.runtime.deps.sessions() as session:
        after = {t: session.get(Mentorship, i).next_checkin_at for t, i in pairs.items()}
        opened = {
            t: session.scalars(select(CheckIn).where(CheckIn.mentorship_id == i)).all()
            for t, i in pairs.items()
        }
    assert after[ACME] != due[ACME] and opened[ACME], "Acme's pair was not prompted"
    assert after[GLOBEX] == due[GLOBEX]  # not moved along
    assert opened[GLOBEX] == []
