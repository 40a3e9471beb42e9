"""Socket Mode, end to end: `mentorbot run` with SLACK_APP_TOKEN, as its own process.

The bot asks the emulator's apps.connections.open for a websocket, and everything a
person does in Slack reaches it as envelopes on that socket; its acknowledgements (with
their payloads: an ephemeral answer, a modal's errors) come back the same way. When the
connection is refreshed or dropped, the bot reconnects and no envelope goes unanswered.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.engine import make_engine, make_session_factory
from bot.db.enums import EnrollmentStatus
from bot.db.models import Enrollment, Person
from bot.emulator import DEFAULT_APP_TOKEN, SlackEmulator, SocketDriver, validate_view
from bot.views.enrollment import EnrollmentIds as Ids
from bot.views.home import HomeIds
from tests.integration import processes
from tests.integration.conftest import BOT_TOKEN, TEAM

BEN = "U0BEN0001"
GOALS = "Help backend engineers move into ML engineering, one project at a time."
CONNECT_S = 30  # start-up (migrations, auth.test) and the first connection, on a busy machine


@dataclass
class SocketBot:
    """`mentorbot run` in Socket Mode, the emulator it talks to, and a driver over the socket."""

    process: subprocess.Popen[bytes]
    emulator: SlackEmulator
    slack: SocketDriver
    db_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        """SIGTERM, as a deploy sends it; the exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def status(self, user: str) -> EnrollmentStatus | None:
        engine = make_engine(self.db_url)
        try:
            with make_session_factory(engine)() as session:
                return session.scalar(
                    select(Enrollment.status)
                    .join(Person)
                    .where(Person.slack_user_id == user, Person.team_id == TEAM)
                )
        finally:
            engine.dispose()


@pytest.fixture
def bot(tmp_path: Path, db_url: str) -> Iterator[SocketBot]:
    with SlackEmulator(tokens=[BOT_TOKEN], socket_mode=True) as emulator:
        emulator.socket.retry_delays = (0.0, 0.5, 1.0)  # Slack's 1 and 5 minutes, scaled down
        emulator.add_user(BEN, name="ben", real_name="Ben Okafor", tz="America/New_York")
        log = tmp_path / "mentorbot.log"
        with log.open("wb") as out:  # a file, not a pipe nobody reads: it never fills up
            process = subprocess.Popen(
                [processes.MENTORBOT, "run"],
                cwd=tmp_path,
                env=processes.clean_env(
                    SLACK_BOT_TOKEN=BOT_TOKEN,
                    SLACK_APP_TOKEN=DEFAULT_APP_TOKEN,
                    SLACK_API_URL=emulator.api_url,
                    DATABASE_URL=db_url,
                ),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        bot = SocketBot(process, emulator, SocketDriver(emulator, team_id=TEAM), db_url, log)
        try:
            connected = emulator.socket.wait_connections_opened(1, timeout=CONNECT_S)
            assert connected, f"mentorbot never connected:\n{bot.output()}"
            yield bot
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


def wait_until(check: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.02)
    return found


def home_actions(view: dict[str, Any] | None) -> set[str]:
    blocks = (view or {}).get("blocks", [])
    return {e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]}


def form_values(**fields: Any) -> dict[str, dict[str, Any]]:
    blocks = {
        "role": (Ids.ROLE_BLOCK, Ids.ROLE_ACTION),
        "goals": (Ids.GOALS_BLOCK, Ids.GOALS_ACTION),
        "topics": (Ids.TOPICS_BLOCK, Ids.TOPICS_ACTION),
    }
    return {blocks[name][0]: {blocks[name][1]: value} for name, value in fields.items()}


def first_topic(view: dict[str, Any]) -> str:
    [block] = [b for b in view["blocks"] if b.get("block_id") == Ids.TOPICS_BLOCK]
    element = block["element"]
    options = element.get("options") or [o for g in element["option_groups"] for o in g["options"]]
    return str(options[0]["value"])


def test_a_slash_command_a_modal_a_home_tab_and_a_button_all_work_over_the_socket(
    bot: SocketBot,
) -> None:
    slack, emulator = bot.slack, bot.emulator
    opened = emulator.calls("apps.connections.open")
    assert opened and opened[0].token == DEFAULT_APP_TOKEN  # the app-level token, not the bot's

    helped = slack.slash_command(BEN, "help")
    assert helped.status == 200 and helped.in_time
    assert "/mentor join" in helped.json["text"]  # the ack's payload is the answer

    joined = slack.slash_command(BEN, "join")
    assert joined.status == 200 and joined.in_time
    [form_opened] = emulator.wait_for("views.open", predicate=lambda c: c.ok)
    form = form_opened.args["view"]
    assert form["callback_id"] == Ids.CALLBACK and validate_view(form) == []

    too_short = slack.view_submission(BEN, values=form_values(role="mentor", goals="ML"))
    assert too_short.json["response_action"] == "errors"
    assert Ids.GOALS_BLOCK in too_short.json["errors"]
    assert emulator.top_view(BEN) is not None  # the modal stays open, showing the error
    assert bot.status(BEN) is None

    saved = slack.view_submission(
        BEN, values=form_values(role="mentor", goals=GOALS, topics=[first_topic(form)])
    )
    assert saved.status == 200 and saved.json is None  # an empty ack closes the modal
    assert emulator.top_view(BEN) is None
    assert bot.status(BEN) is EnrollmentStatus.ACTIVE

    home_opened = slack.app_home_opened(BEN)
    assert home_opened.status == 200 and home_opened.in_time
    home = wait_until(
        lambda: HomeIds.PAUSE in home_actions(emulator.home_view(BEN)) and emulator.home_view(BEN),
        what="the Home tab with the mentor's Pause button",
    )
    assert validate_view(home) == []

    clicked = slack.block_action(BEN, HomeIds.PAUSE)  # found on the Home tab, as Ben sees it
    assert clicked.status == 200 and clicked.in_time
    wait_until(lambda: bot.status(BEN) is EnrollmentStatus.PAUSED, what="Ben paused")
    wait_until(
        lambda: HomeIds.RESUME in home_actions(emulator.home_view(BEN)),
        what="the Home tab offering Resume",
    )

    envelopes = emulator.socket.envelopes()
    assert [e.type for e in envelopes] == [
        "slash_commands",
        "slash_commands",
        "interactive",
        "interactive",
        "events_api",
        "interactive",
    ]
    assert all(len(e.acks) == 1 and len(e.tries) == 1 for e in envelopes)
    assert emulator.socket.strays() == []
    assert bot.stop() == 0, bot.output()
    assert "Traceback" not in bot.output()


def help_answered(bot: SocketBot) -> bool:
    answer = bot.slack.slash_command(BEN, "help")
    return answer.status == 200 and answer.in_time and "/mentor join" in answer.json["text"]


def views_published(emulator: SlackEmulator, user: str) -> int:
    return len([c for c in emulator.calls("views.publish") if c.ok and c.args["user_id"] == user])


# Each reconnect takes well under a second here; the bound only catches a bot waiting for
# its pings to fail (about 30 s before bot/socket_client.py) on a loaded machine.
RECONNECT_S = 10.0


def reconnected_after(bot: SocketBot, end: Callable[[], None]) -> float:
    """Seconds from ending the connection(s) to the bot's next connection being open."""
    socket = bot.emulator.socket
    before = socket.connections_opened
    began = time.monotonic()
    end()
    assert socket.wait_connections_opened(before + 1, timeout=RECONNECT_S), bot.output()
    return time.monotonic() - began


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the socket, not the storage
def test_the_bot_reconnects_after_a_refresh_a_close_and_a_drop_and_no_envelope_goes_unanswered(
    bot: SocketBot,
) -> None:
    socket, emulator = bot.emulator.socket, bot.emulator
    assert help_answered(bot)
    took: dict[str, float] = {}

    # Slack asks for a refresh: the bot opens a new connection before the old one goes.
    took["refresh"] = reconnected_after(bot, lambda: socket.disconnect("refresh_requested"))
    assert socket.wait_open(1, timeout=15)
    assert help_answered(bot)

    # A Slack server goes away with a close frame: the bot reconnects at once.
    took["close frame"] = reconnected_after(bot, socket.close)
    assert help_answered(bot)

    # The connection closes with an event on the wire. Whatever the bot answered on it is
    # lost; it acknowledges on its next connection if that is open by then, or else Slack
    # sends the event again there. Either way it is acknowledged and the Home published once.
    socket.drop_next("close")
    opened = bot.slack.app_home_opened(BEN)
    assert opened.status == 200 and opened.delivery is not None
    assert socket.connections_opened == 4
    [acked_on] = {a.connection for a in socket.envelopes()[-1].acks}
    assert acked_on == 4  # not the dropped connection
    wait_until(lambda: views_published(emulator, BEN) == 1, what="Ben's Home published")

    # The TCP connection ends with no close frame (FIN), then is reset (RST): the bot reads
    # the end of the stream and reconnects at once. A command sent meanwhile waits for
    # the new connection and is answered there.
    for how, reset in (("hang-up", False), ("reset", True)):
        connections = socket.connections_opened
        socket.abort(reset=reset)
        began = time.monotonic()
        assert help_answered(bot), how
        took[how] = time.monotonic() - began
        assert socket.connections_opened == connections + 1, how
        assert took[how] < RECONNECT_S, bot.output()

    print("reconnected in", ", ".join(f"{how} {s:.2f} s" for how, s in took.items()))
    envelopes = socket.envelopes()
    assert all(e.acked for e in envelopes), [(e.type, e.tries) for e in envelopes]
    assert socket.refused() == [] and socket.strays() == []
    time.sleep(1)  # a second publish, if the retried event were handled twice, would be here
    assert views_published(emulator, BEN) == 1
    assert len(emulator.calls("apps.connections.open")) == socket.connections_opened
    assert bot.stop() == 0, bot.output()
    assert "Traceback" not in bot.output()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sigterm_lets_a_command_already_acknowledged_finish_then_closes_the_socket(
    bot: SocketBot,
) -> None:
    bot.emulator.slow("views.open", seconds=1.5)  # the form opens after the signal

    joined = bot.slack.slash_command(BEN, "join")
    bot.process.send_signal(signal.SIGTERM)
    status = bot.process.wait(timeout=30)
    exited_by = time.time()

    assert joined.status == 200 and joined.in_time
    assert status == 0, bot.output()
    [opened] = bot.emulator.calls("views.open")
    assert opened.ok
    assert exited_by >= opened.at + 1.5  # it waited for Slack's answer before exiting
    assert bot.emulator.socket.wait_open(0, timeout=5)  # the bot hung up; nothing left open
    assert "Traceback" not in bot.output()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_app_token_slack_refuses_stops_the_bot_with_one_line_naming_it(
    tmp_path: Path, db_url: str
) -> None:
    with SlackEmulator(tokens=[BOT_TOKEN], socket_mode=True) as emulator:
        result = subprocess.run(
            [processes.MENTORBOT, "run"],
            cwd=tmp_path,
            env=processes.clean_env(
                SLACK_BOT_TOKEN=BOT_TOKEN,
                SLACK_APP_TOKEN="xapp-1-A0MENTOR-1-revoked",
                SLACK_API_URL=emulator.api_url,
                DATABASE_URL=db_url,
            ),
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("mentorbot: Slack did not accept SLACK_APP_TOKEN")
    assert "(invalid_auth)" in last and "connections:write" in last
    assert emulator.socket.connections_opened == 0
