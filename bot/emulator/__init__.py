"""Offline Slack: a Web API emulator the bot calls, and a driver that plays Slack toward it.

Used by the tests and by ``mentorbot demo``::

    with SlackEmulator() as slack:
        client = WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url)
        driver = SlackDriver("http://127.0.0.1:3000/slack/events", secret, slack)
"""

from bot.emulator.blockkit import validate_blocks, validate_view, view_size
from bot.emulator.calls import Call, ManualClock
from bot.emulator.driver import ACK_TIMEOUT, DriverResponse, SlackDriver
from bot.emulator.faults import Bucket, RateLimits
from bot.emulator.server import SlackEmulator
from bot.emulator.workspace import (
    DEFAULT_TOKEN,
    TRIGGER_ERRORS,
    Channel,
    SlackUser,
    UploadedFile,
)

__all__ = [
    "ACK_TIMEOUT",
    "DEFAULT_TOKEN",
    "TRIGGER_ERRORS",
    "Bucket",
    "Call",
    "Channel",
    "DriverResponse",
    "ManualClock",
    "RateLimits",
    "SlackDriver",
    "SlackEmulator",
    "SlackUser",
    "UploadedFile",
    "validate_blocks",
    "validate_view",
    "view_size",
]
