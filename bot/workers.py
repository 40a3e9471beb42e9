"""Worker ids (`host:pid:rand`) and telling whether the worker behind one is gone.

An outbox claim names its worker, so after a crash the restarted process can
release at once what its dead predecessor held, instead of waiting out the lease.
Only a worker of this host can be judged: a pid is only meaningful where it lives.
"""

from __future__ import annotations

import os
import socket
import uuid

# Ids this process handed out: a second sender in the same process (tests, the
# demo) shares our pid but is alive.
_ISSUED: set[str] = set()


def this_host() -> str:
    """The hostname, plus the pid namespace where Linux shows it.

    Containers that share the host's network also share its hostname but not its
    pids; without the namespace, one could take another's live pid for a dead one.
    """
    name = socket.gethostname()
    try:
        namespace = os.readlink("/proc/self/ns/pid")  # e.g. "pid:[4026531836]"
    except OSError:
        return name
    return f"{name}~{namespace.removeprefix('pid:[').removesuffix(']')}"


def worker_id() -> str:
    issued = f"{this_host()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    _ISSUED.add(issued)
    return issued


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def is_dead_here(worker: str) -> bool:
    """True only when `worker` ran on this host and its process is gone.

    Anything else (another host, a malformed id, a live or reused pid) is False:
    those claims simply lapse after the lease.
    """
    host, _, rest = worker.partition(":")
    pid_text, _, _ = rest.partition(":")
    if host != this_host() or not pid_text.isdigit() or worker in _ISSUED:
        return False
    pid = int(pid_text)
    # Our own pid under another id is an earlier run of this program (pid 1 in a container).
    return pid == os.getpid() or not _pid_alive(pid)
