"""Offline Slack: a Web API emulator the bot calls, and a driver that plays Slack toward it.

Used by the tests and by ``mentorbot demo``::

    with SlackEmulator() as slack:
        client = WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url)
        driver = SlackDriver("http://127.0.0.1:3000/slack/events", secret, slack)

Where things are (it imports nothing of the bot, and keeps its own copy of Slack's
limits, so it stays an independent check on the bot's views):

- ``server``: ``SlackEmulator``, the facade: start/stop, seeding, what people see;
- ``faults``: the fault-injection API (``rate_limit``, ``fail``, ...) and rate limits;
- ``workspace``: the state: people, channels, messages, files, views, triggers;
- ``methods/``: the Web API methods, one module per family, in one ``METHODS`` table;
- ``endpoints``: what each URL answers, through faults, auth and limits, recorded;
- ``transport``: the HTTP server, and how Slack reads a call's arguments;
- ``calls``: ``Request``, ``Reply``, ``SlackError`` and the log of recorded ``Call``s;
- ``blockkit``: Block Kit validation and Slack's limits; ``render``: blocks as text;
- ``driver``: ``SlackDriver``, which plays Slack toward the bot's real endpoint;
- ``socket_mode``: Slack's Socket Mode websocket (``SlackEmulator(socket_mode=True)``);
  ``socket_driver``: ``SocketDriver``, the driver's API over it, for a Socket Mode bot.
"""

from bot.emulator.blockkit import validate_blocks, validate_view, view_size
from bot.emulator.calls import Call, ManualClock
from bot.emulator.driver import ACK_TIMEOUT, DriverResponse, SlackDriver
from bot.emulator.faults import Bucket, RateLimits
from bot.emulator.server import SlackEmulator
from bot.emulator.socket_driver import SocketDriver, SocketResponse
from bot.emulator.socket_mode import Delivery, Envelope, SocketMode
from bot.emulator.workspace import (
    DEFAULT_APP_TOKEN,
    DEFAULT_TOKEN,
    TRIGGER_ERRORS,
    Channel,
    SlackUser,
    UploadedFile,
)

__all__ = [
    "ACK_TIMEOUT",
    "DEFAULT_APP_TOKEN",
    "DEFAULT_TOKEN",
    "TRIGGER_ERRORS",
    "Bucket",
    "Call",
    "Channel",
    "Delivery",
    "DriverResponse",
    "Envelope",
    "ManualClock",
    "RateLimits",
    "SlackDriver",
    "SlackEmulator",
    "SlackUser",
    "SocketDriver",
    "SocketMode",
    "SocketResponse",
    "UploadedFile",
    "validate_blocks",
    "validate_view",
    "view_size",
]
