"""The compiled round loaded on a spare core, once per process, while a round's batch
is encoded: loading numba's cached code takes ~0.3 s that the round would otherwise
spend waiting before it can score."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

_lock = threading.Lock()
_started = False


def load_compiled_in_background() -> None:
    """Start loading the compiled round (warm_compiled) in a thread, unless started."""
    global _started
    with _lock:
        if _started:
            return
        _started = True
    threading.Thread(target=_load, name="load-compiled-round", daemon=True).start()


def _load() -> None:
    from bot.matching import warm_compiled

    try:
        warm_compiled()
    except ImportError:
        pass  # no numba here: rounds use numpy and scipy
    except Exception:
        # The round loads what it needs itself; this was only a head start.
        log.exception("loading the compiled round in the background failed")
