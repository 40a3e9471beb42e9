"""How listeners get their dependencies: one middleware puts `Deps` in Bolt's context.

Listeners are module-level functions that read `deps_of(context)`, so a test can call
one directly with a plain dict as its context, fake `ack`/`respond`, and a real database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.deps import Deps

DEPS = "mentorbot_deps"


class ProvideDeps(Middleware):
    def __init__(self, deps: Deps) -> None:
        # What a request queues answers a person: sent ahead of queued bulk work.
        self.deps = deps.for_requests()

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        req.context[DEPS] = self.deps
        return next()


def deps_of(context: Mapping[str, Any]) -> Deps:
    return context[DEPS]
