"""Plays Slack toward a bot in Socket Mode: the same payloads, sent as envelopes.

``SocketDriver`` has :class:`~bot.emulator.driver.SlackDriver`'s whole API (slash
commands, block actions, view submissions, events) and shapes payloads the same way;
only the transport differs: each payload goes out in an envelope on the websocket the
bot opened, and the answer is the bot's acknowledgement of it. What the bot put in its
ack is applied to the emulator as Slack would (an ephemeral reply, a modal's errors).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.emulator.driver import ACK_TIMEOUT, DriverResponse, SlackDriver
from bot.emulator.server import SlackEmulator
from bot.emulator.socket_mode import Delivery, EnvelopeType

JsonDict = dict[str, Any]

# Interactions whose ack may carry an answer (response_action, options); others' is ignored.
_ANSWERED_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})


@dataclass(frozen=True)
class SocketResponse(DriverResponse):
    """The bot's acknowledgement of one envelope.

    ``status`` is 200 when an ack came and 0 when none did; ``json`` is the ack's
    payload (None without one), ``text`` the same as JSON text (empty without one).
    """

    delivery: Delivery | None = None


class SocketDriver(SlackDriver):
    """Sends the bot what Slack sends it, over Socket Mode. Thread-safe."""

    def __init__(
        self,
        emulator: SlackEmulator,
        team_id: str | None = None,
        *,
        ack_timeout: float = ACK_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            "", "", emulator, team_id, ack_timeout=ack_timeout, clock=clock
        )  # no URL and no signature: the websocket is the bot's own authenticated line
        self.socket = emulator.socket

    def post(
        self,
        body: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
        payload: JsonDict | None = None,
    ) -> DriverResponse:
        raise TypeError("a Socket Mode bot has no HTTP endpoint to post to")

    def _post_form(self, fields: JsonDict) -> DriverResponse:
        return self._deliver("slash_commands", fields, answered=True)

    def _post_interaction(self, payload: JsonDict) -> DriverResponse:
        answered = payload.get("type") in _ANSWERED_INTERACTIONS
        return self._deliver("interactive", payload, answered=answered)

    def _post_json(
        self, payload: JsonDict, headers: Mapping[str, str] | None = None
    ) -> DriverResponse:
        if payload.get("type") != "event_callback":
            raise ValueError(f"Socket Mode does not carry {payload.get('type')!r} requests")
        retry = int((headers or {}).get("X-Slack-Retry-Num", 0))
        return self._deliver("events_api", payload, answered=False, retry_attempt=retry)

    def _deliver(
        self,
        envelope_type: EnvelopeType,
        payload: JsonDict,
        *,
        answered: bool,
        retry_attempt: int = 0,
    ) -> SocketResponse:
        delivery = self.socket.deliver(
            envelope_type,
            payload,
            accepts_response_payload=answered,
            retry_attempt=retry_attempt,
        )
        body = delivery.payload
        return SocketResponse(
            status=200 if delivery.acked else 0,
            text=json.dumps(body) if body is not None else "",
            json=body,
            headers={},
            elapsed=delivery.elapsed,
            payload=payload,
            ack_timeout=self.ack_timeout,
            delivery=delivery,
        )
