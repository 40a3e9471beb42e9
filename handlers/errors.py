"""An error boundary around every listener.

Bolt 1.30 resets an acknowledgement when a listener raises after calling ack()
(the request then answers 404 after 3 s), so no exception may leave a listener:
it is logged here and, when nothing was acknowledged yet, the person gets a
short apology instead of Slack's generic failure.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("mentorbot.handlers")

APOLOGY = "Sorry, something went wrong on our side. It has been logged; please try again."


def guarded(listener: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(listener)  # Bolt reads the wrapped signature to inject arguments
    def boundary(**kwargs: Any) -> Any:
        try:
            return listener(**kwargs)
        except Exception:
            log.exception("listener %s failed", listener.__name__)
            ack = kwargs.get("ack")
            if ack is not None and getattr(ack, "response", None) is None:
                ack(text=APOLOGY)
            return None

    return boundary
