"""The one place that talks to the Slack Web API on the bot's own initiative.

Two kinds of client, because the two paths have different deadlines:

* the interactive client (Bolt's own) serves listeners that must answer within
  Slack's 3-second window (views.open with a trigger id). It retries a dropped
  connection or a 5xx once, and a 429 only when the wait fits in a small budget,
  so a listener thread never sleeps for long in Bolt's small pool;
* the delivery client sends what the outbox holds, one message at a time (so a
  crash can repeat at most the one in flight). A 429 puts the message back with
  `not_before` set from Retry-After, and nothing more of that method is asked of
  Slack until then: a short wait (up to MAX_RATE_LIMIT_WAIT_S; Slack's usual answer
  for chat.postMessage is one second) is waited out in place, so a fan-out flows at
  the rate Slack allows; a longer one ends the delivery run, and the runs until it
  is over leave that method alone. A 5xx or no answer at all ends the run too (the
  message backs off; the next tick tries another). No message is held unrecorded
  while waiting.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    RetryHandler,
    RetryState,
)
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.oauth.installation_store import InstallationStore
from sqlalchemy.orm import Session, sessionmaker

from bot import installs, metrics, outbox, people
from bot.config import Settings

log = logging.getLogger(__name__)

INTERACTIVE_TIMEOUT_S = 2  # leaves room inside Slack's 3 s for the rest of the listener
DELIVERY_TIMEOUT_S = 20
MAX_RATE_LIMIT_WAIT_IN_LISTENER_S = 1.0
# A delivery run waits out a Retry-After up to this long; a longer one ends the run.
MAX_RATE_LIMIT_WAIT_S = 5.0
PATIENT_RATE_LIMIT_RETRIES = 30  # per call: Tier 3 refills within a minute


class BudgetedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retries a 429 only when Slack asks for a wait that fits the budget."""

    def __init__(self, max_wait_seconds: float, max_retry_count: int = 1) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait_seconds = max_wait_seconds

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        return retry_after_seconds(response.headers if response else {}) <= self.max_wait_seconds


def retry_after_seconds(headers: Mapping[str, Any]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return 1.0
    return 1.0


def make_interactive_client(settings: Settings) -> WebClient:
    handlers: list[RetryHandler] = [
        ConnectionErrorRetryHandler(max_retry_count=1),
        ServerErrorRetryHandler(max_retry_count=1),
        BudgetedRateLimitRetryHandler(MAX_RATE_LIMIT_WAIT_IN_LISTENER_S),
    ]
    return _client(settings, INTERACTIVE_TIMEOUT_S, handlers)


def make_patient_client(settings: Settings) -> WebClient:
    """For work nobody waits on in a request (the CLI, a background job): a 429 is
    waited out for as long as its Retry-After says, then the call is made again."""
    handlers: list[RetryHandler] = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=PATIENT_RATE_LIMIT_RETRIES),
    ]
    return _client(settings, DELIVERY_TIMEOUT_S, handlers)


def make_delivery_client(
    settings: Settings, retry_interval: RetryIntervalCalculator | None = None
) -> WebClient:
    """`retry_interval`: the wait before retrying a dropped connection or a 5xx
    (slack_sdk's backoff, 0.5 s then 1 s, unless given; the tests pass a short one)."""
    interval = retry_interval or BackoffRetryIntervalCalculator()
    handlers: list[RetryHandler] = [
        ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=interval),
        ServerErrorRetryHandler(max_retry_count=2, interval_calculator=interval),
    ]
    return _client(settings, DELIVERY_TIMEOUT_S, handlers)


def _client(settings: Settings, timeout: int, handlers: list[RetryHandler]) -> WebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return WebClient(
        token=token, base_url=settings.slack_api_url, timeout=timeout, retry_handlers=handlers
    )


# --- delivering the outbox --------------------------------------------------------

# A kept DM channel id Slack no longer accepts: open the DM again (see _send_file_dm).
STALE_CHANNEL_ERRORS = frozenset({"channel_not_found", "not_in_channel"})
OPENED_FOR = "opened_for"  # in a file DM's result: the user whose DM the sender opened

# Slack errors that mean "try again later", as opposed to a message Slack will never take.
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    halted: bool = False  # Slack said "not now" (a long 429, a 5xx, no answer): stop the run


class _Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # back in the outbox; the run goes on (a short 429, waited out)
    HALT = "halt"  # back in the outbox, and Slack is not asked again in this run
    FAILED = "failed"


def _send_group_dm(client: WebClient, payload: dict[str, Any]) -> dict[str, Any]:
    """Open (or find) the group DM of these people, then post into it."""
    opened = client.conversations_open(users=",".join(payload["users"]))
    channel = opened["channel"]["id"]
    message = {k: v for k, v in payload.items() if k != "users"}
    posted = client.chat_postMessage(channel=channel, **message)
    return {"channel": channel, "ts": posted.get("ts")}


def _send_file_dm(client: WebClient, payload: dict[str, Any]) -> dict[str, Any]:
    """Upload the file into the person's DM with the bot.

    files.completeUploadExternal takes a conversation id (D...), not a user id, so the DM
    is opened first unless the payload carries its id (bot.people.remember_dm_channel
    keeps the one opened, see OutboxSender._deliver). A kept id Slack no longer knows
    (the app was reinstalled) is opened afresh, once, and kept in its place.
    """
    known = payload.get("channel")
    if known:
        try:
            _upload(client, known, payload)
            return {"channel": known}
        except SlackApiError as exc:
            if exc.response.get("error") not in STALE_CHANNEL_ERRORS:
                raise
            log.info("outbox: DM channel %s is gone; opening the DM again", known)
    opened = client.conversations_open(users=payload["user"])["channel"]["id"]
    _upload(client, opened, payload)
    return {"channel": opened, OPENED_FOR: payload["user"]}


def _upload(client: WebClient, channel: str, payload: dict[str, Any]) -> None:
    encoded = payload.get(outbox.FILE_BYTES)
    content = base64.b64decode(encoded) if encoded is not None else payload["content"]
    client.files_upload_v2(
        channel=channel,
        content=content,
        filename=payload["filename"],
        title=payload.get("title"),
        initial_comment=payload.get("comment"),
    )


def _post_in_channel(client: WebClient, payload: dict[str, Any]) -> dict[str, Any]:
    """Post in a channel, joining it first when it is public and the bot is not in it.

    A private channel cannot be joined: Slack answers that it does not exist (or that the
    bot is not in it), and that refusal is the message's outcome, so nothing is posted.
    """
    try:
        posted = client.chat_postMessage(**payload)
    except SlackApiError as exc:
        if exc.response.get("error") != "not_in_channel":
            raise
        try:
            client.conversations_join(channel=payload["channel"])
        except SlackApiError as refused:
            # A 429 or an outage is retried like any other; "this type cannot be joined"
            # says less than the post's own "not in channel".
            if refused.response.get("error") == "method_not_supported_for_channel_type":
                raise exc from None
            raise
        posted = client.chat_postMessage(**payload)
    return {"channel": posted.get("channel"), "ts": posted.get("ts")}


def _remember_opened(session: Session, message: outbox.Claimed, result: dict[str, Any]) -> None:
    """A DM the sender had to open is kept on the person, in the transaction that marks
    the message sent."""
    user = result.get(OPENED_FOR)
    if user:
        people.remember_dm_channel(session, message.team_id, user, result["channel"])


def _call(method: str) -> Callable[[WebClient, dict[str, Any]], dict[str, Any]]:
    def send(client: WebClient, payload: dict[str, Any]) -> dict[str, Any]:
        response = client.api_call(method, json=payload)
        return {k: response.get(k) for k in ("channel", "ts") if response.get(k) is not None}

    return send


SENDERS: dict[str, Callable[[WebClient, dict[str, Any]], dict[str, Any]]] = {
    "chat.postMessage": _call("chat.postMessage"),
    "chat.update": _call("chat.update"),
    "views.publish": _call("views.publish"),
    outbox.GROUP_DM: _send_group_dm,
    outbox.FILE_DM: _send_file_dm,
    outbox.CHANNEL_POST: _post_in_channel,
}


@dataclass(frozen=True)
class _Pause:
    """Slack's "not before" for a method, on both clocks: the run's instant (which a test
    may pin far from now) and the process's monotonic one. The pause is over when either
    says so, so a test that jumps ahead is not held up, nor one that goes back in time."""

    until: datetime
    deadline: float  # time.monotonic()

    def left(self, now: datetime, time_scale: float) -> float:
        """Real seconds still to wait (0 when over)."""
        by_instant = (self.until - now).total_seconds() / time_scale
        return max(0.0, min(by_instant, self.deadline - time.monotonic()))


class OutboxSender:
    """Claims due outbox rows and sends them; safe to run in several processes.

    While it holds claims, a helper thread renews their lease (outbox.RENEW_EVERY),
    however long Slack takes. `stop()` makes it finish the message in hand and put
    the rest of its claim back, for a graceful shutdown.

    With installs in several workspaces (`installs`, the installation store), each
    message goes out with its own workspace's bot token, looked up once per run; a
    message for a workspace the app is no longer installed in is not sent but marked
    failed with why.

    `time_scale` is how many seconds of Slack's clock pass per real second when it
    waits out a Retry-After: 1 but in the fan-out bench, which runs the emulator's
    clock (and so its Retry-After) that much faster.
    """

    def __init__(
        self,
        client: WebClient,
        sessions: sessionmaker[Session],
        worker_id: str,
        *,
        time_scale: float = 1.0,
        installs: InstallationStore | None = None,
    ) -> None:
        self.client = client
        self.installs = installs
        self.sessions = sessions
        self.worker_id = worker_id
        self.time_scale = time_scale
        self._stopping = threading.Event()
        self._pauses: dict[str, _Pause] = {}  # method -> what its last Retry-After said

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        """Send nothing more after the message in hand (from any thread)."""
        self._stopping.set()

    def release_held(self) -> int:
        """Put back every row this worker still has claimed; call once it stopped."""
        with self.sessions() as session:
            return outbox.release(session, worker_id=self.worker_id)

    def release_dead(self, is_dead: Callable[[str], bool]) -> int:
        """Put back at once what workers `is_dead` names held (a crash before us)."""
        with self.sessions() as session:
            released = outbox.release_dead(session, is_dead)
        if released:
            log.info("outbox: took back %d message(s) a stopped process had claimed", released)
        return released

    def deliver_due(self, now: datetime, limit: int = 10) -> DeliveryReport:
        if self.stopping:
            return DeliveryReport()
        with self.sessions() as session:
            claimed = outbox.claim_due(session, now=now, worker_id=self.worker_id, limit=limit)
        outcomes: list[_Outcome] = []
        halted = False
        clients: dict[str, WebClient | None] = {}  # team -> its client, for this run
        with self._lease_renewed(now, bool(claimed)):
            for message in claimed:
                left = self._pause_left(message.method, now)
                if left * self.time_scale > MAX_RATE_LIMIT_WAIT_S:
                    halted = True  # Slack asked for a long wait: leave the rest for later
                    break
                if left > 0:
                    self._stopping.wait(left)
                if self.stopping:
                    break
                if message.team_id not in clients:
                    clients[message.team_id] = self._client_for(message.team_id)
                outcomes.append(self._deliver(message, now, clients[message.team_id]))
                if outcomes[-1] is _Outcome.HALT:
                    halted = True
                    break
        metrics.count_sends(
            sent=outcomes.count(_Outcome.SENT),
            retried=outcomes.count(_Outcome.RETRY) + outcomes.count(_Outcome.HALT),
            dead=outcomes.count(_Outcome.FAILED),
        )
        if len(outcomes) < len(claimed):  # not attempted: back as they were
            with self.sessions() as session:
                unsent = [m.id for m in claimed[len(outcomes) :]]
                outbox.release(session, worker_id=self.worker_id, ids=unsent)
        return DeliveryReport(
            sent=outcomes.count(_Outcome.SENT),
            retrying=outcomes.count(_Outcome.RETRY) + outcomes.count(_Outcome.HALT),
            failed=outcomes.count(_Outcome.FAILED),
            halted=halted,
        )

    def _pause_left(self, method: str, now: datetime) -> float:
        """Real seconds before `method` may be called again (Slack's last Retry-After)."""
        pause = self._pauses.get(method)
        return pause.left(now, self.time_scale) if pause else 0.0

    @contextlib.contextmanager
    def _lease_renewed(self, now: datetime, holding: bool) -> Iterator[None]:
        """Renew our claims every RENEW_EVERY until the block ends.

        Renewal times follow `now` (a test may pass an instant far from the wall clock).
        """
        if not holding:
            yield
            return
        done = threading.Event()
        started = time.monotonic()

        def renew() -> None:
            while not done.wait(outbox.RENEW_EVERY.total_seconds()):
                at = now + timedelta(seconds=time.monotonic() - started)
                try:
                    with self.sessions() as session:
                        outbox.renew_claims(session, worker_id=self.worker_id, now=at)
                except Exception as exc:  # the next renewal tries again; the lease has room
                    log.warning("outbox: could not renew claims: %s", type(exc).__name__)

        keeper = threading.Thread(target=renew, name="outbox-lease", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            done.set()
            keeper.join()

    def _client_for(self, team_id: str) -> WebClient | None:
        return installs.client_for(self.client, self.installs, team_id)

    def _deliver(
        self, message: outbox.Claimed, now: datetime, client: WebClient | None
    ) -> _Outcome:
        send = SENDERS.get(message.method)
        with self.sessions() as session:
            if send is None:
                outbox.give_up(session, message, f"no sender for method {message.method}", now)
                return _Outcome.FAILED
            if client is None:
                log.info("outbox %s: not sent, %s", message.key, installs.NOT_INSTALLED)
                outbox.give_up(session, message, installs.NOT_INSTALLED, now)
                return _Outcome.FAILED
            try:
                result = send(client, dict(message.payload))
            except SlackApiError as exc:
                return self._after_error(session, message, exc, now)
            except Exception as exc:  # connection errors that outlived the retry handlers
                log.warning("outbox %s: %s; will retry", message.key, type(exc).__name__)
                outbox.retry_later(session, message, repr(exc), now, wait=None)
                return _Outcome.HALT
            _remember_opened(session, message, result)
            outbox.mark_sent(session, message, result, now)
            return _Outcome.SENT

    def _after_error(
        self, session: Session, message: outbox.Claimed, exc: SlackApiError, now: datetime
    ) -> _Outcome:
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        if status == 429:
            seconds = retry_after_seconds(exc.response.headers)
            wait = timedelta(seconds=seconds)
            outbox.retry_later(session, message, error, now, wait=wait, counts=False)
            deadline = time.monotonic() + seconds / self.time_scale
            self._pauses[message.method] = _Pause(now + wait, deadline)
            return _Outcome.HALT if seconds > MAX_RATE_LIMIT_WAIT_S else _Outcome.RETRY
        if status >= 500 or error in TRANSIENT_ERRORS:
            outbox.retry_later(session, message, error, now, wait=None)
            return _Outcome.HALT
        log.error("outbox %s: Slack refused it (%s); not retrying", message.key, error)
        outbox.give_up(session, message, error, now)
        return _Outcome.FAILED
