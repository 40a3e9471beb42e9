"""Hostile and malformed requests against a real `mentorbot run` (HTTP mode, SQLite).

    python bench/hostile_http.py [--each 20] [--clients 10] [--mib 50]

Starts the Slack emulator and `mentorbot run` as its own process (fresh SQLite), then:
1. sends a bounded set of malformed requests (each kind --each times, unsigned and
   signed), plus replays of one signed command, and counts the statuses and the
   tracebacks in the process's log output;
2. sends --clients concurrent bodies of --mib MiB each, three ways (no signature
   headers; plausible headers and a Content-Length; plausible headers, chunked), and
   prints the process's peak resident memory (VmHWM) before and during the load.
Loopback only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from bot.emulator import SlackEmulator

TOKEN = "xoxb-bench-token"
SECRET = "bench-signing-secret"
MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return -1


def sign(body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def plausible() -> dict[str, str]:
    return {
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=" + "0" * 64,
    }


def post(port: int, body: bytes, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def slash(text: str, n: int) -> bytes:
    fields = {
        "team_id": "T0BENCH",
        "channel_id": "C0GENERAL",
        "user_id": "U0BENCH",
        "command": "/mentor",
        "text": text,
        "response_url": "http://127.0.0.1:9/unused",
        "trigger_id": f"{time.time():.6f}.{n}",
    }
    return urlencode(fields).encode()


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# kind -> (body, content type, header overrides or None for "sign it properly")
Kind = tuple[bytes, str, Callable[[bytes], dict[str, str]]]
MALFORMED: dict[str, Kind] = {
    "unsigned bad JSON": (b'{"type": "event_callback", ', JSON, lambda b: plausible()),
    "unsigned invalid UTF-8": (b"payload=\xff\xfe\xfa", FORM, lambda b: plausible()),
    "unsigned payload= garbage": (b"payload=%7Bnot-json", FORM, lambda b: plausible()),
    "unsigned, no signature headers": (slash("help", 0), FORM, lambda b: {}),
    "non-numeric timestamp header": (
        slash("help", 0),
        FORM,
        lambda b: {**plausible(), "X-Slack-Request-Timestamp": "soon"},
    ),
    "5,000-digit timestamp header": (
        slash("help", 0),
        FORM,
        lambda b: {**plausible(), "X-Slack-Request-Timestamp": "9" * 5000},
    ),
    "wrong secret": (slash("help", 0), FORM, lambda b: {**plausible(), **sign(b"other" + b)}),
    "stale timestamp, signed": (slash("help", 0), FORM, lambda b: sign(b, int(time.time()) - 600)),
    "signed bad JSON": (b'{"type": "event_callback", ', JSON, sign),
    "signed invalid UTF-8": (b"payload=\xff\xfe\xfa", FORM, sign),
    "signed payload= garbage": (b"payload=%7Bnot-json", FORM, sign),
    "signed payload=null": (b"payload=null", FORM, sign),
    "signed JSON list": (b"[1, 2]", JSON, sign),
    "signed event that is a string": (
        json.dumps({"type": "event_callback", "event": "x", "event_id": "Ev1"}).encode(),
        JSON,
        sign,
    ),
    "signed slash command from nobody": (b"command=%2Fmentor&text=help", FORM, sign),
}


def fire_malformed(port: int, each: int) -> dict[str, Counter[int]]:
    results: dict[str, Counter[int]] = {}
    for kind, (body, content_type, headers_for) in MALFORMED.items():
        counts: Counter[int] = Counter()
        for n in range(each):
            # Vary the body a little per request (as Slack's differ) so that only the
            # replay kind below repeats a signature.
            varied = body + (b" " * n if content_type == JSON else b"&n=%d" % n)
            headers = {"Content-Type": content_type, **headers_for(varied)}
            counts[post(port, varied, headers)] += 1
        results[kind] = counts
    body = slash("help", 1)
    headers = {"Content-Type": FORM, **sign(body)}
    counts = Counter(post(port, body, headers) for _ in range(each + 1))
    results[f"signed /mentor help, then {each} replays"] = counts
    return results


def big_body(port: int, size: int, how: str) -> str:
    """Send one oversized body; the status the bot answered, or how the connection ended."""
    headers = {"Content-Type": JSON, "Host": "127.0.0.1"}
    if how != "no signature headers":
        headers |= plausible()
    if how == "chunked":
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(size)
    chunk = b"x" * MIB
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        head = "POST /slack/events HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        try:
            sock.sendall((head + "\r\n").encode())
            for _ in range(size // MIB):
                sock.sendall(b"%x\r\n%b\r\n" % (len(chunk), chunk) if how == "chunked" else chunk)
            if how == "chunked":
                sock.sendall(b"0\r\n\r\n")
        except OSError as exc:
            return f"closed while sending ({type(exc).__name__})"
        reply = sock.recv(64)
    return reply.split(b"\r\n", 1)[0].decode(errors="replace") or "closed"


def flood(port: int, pid: int, clients: int, size: int, how: str) -> tuple[Counter[str], int]:
    """`clients` concurrent bodies; the outcomes and the highest VmRSS sampled meanwhile."""
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def one() -> None:
        outcome = big_body(port, size, how)
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for thread in threads:
        thread.start()
    peak = 0
    deadline = time.monotonic() + 300
    while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
        peak = max(peak, proc_kib(pid, "VmRSS"))
        time.sleep(0.02)
    for thread in threads:
        thread.join(10)
    return outcomes, peak


def start_bot(
    emulator: SlackEmulator, workdir: str, log_path: Path
) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MENTORBOT_"))}
    env |= {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
        "PORT": str(port),
    }
    exe = shutil.which("mentorbot") or str(Path(sys.executable).with_name("mentorbot"))
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [exe, "run"], env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"mentorbot run exited early:\n{log_path.read_text()}") from None
            time.sleep(0.05)
    process.terminate()
    raise SystemExit("mentorbot run did not start within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--each", type=int, default=20, help="requests of each malformed kind")
    parser.add_argument("--clients", type=int, default=10, help="concurrent oversized bodies")
    parser.add_argument("--mib", type=int, default=50, help="size of each oversized body, MiB")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp()
    log_path = Path(workdir) / "mentorbot.log"
    with SlackEmulator(tokens=[TOKEN]) as emulator:
        process, port = start_bot(emulator, workdir, log_path)
        try:
            report(process, port, log_path, args)
        finally:
            process.terminate()
            process.wait(15)
            shutil.rmtree(workdir, ignore_errors=True)


def report(process: subprocess.Popen, port: int, log_path: Path, args: argparse.Namespace) -> None:
    pid = process.pid
    time.sleep(1)  # let start-up settle before the first reading
    start_hwm = proc_kib(pid, "VmHWM")
    log_before = log_path.stat().st_size
    results = fire_malformed(port, args.each)
    time.sleep(0.5)
    log_text = log_path.read_text(errors="replace")[log_before:]
    sent = sum(sum(c.values()) for c in results.values())
    print(f"malformed requests: {sent} sent, {len(results)} kinds")
    for kind, counts in results.items():
        statuses = ", ".join(f"{n}x {status}" for status, n in sorted(counts.items()))
        print(f"  {kind:<40} {statuses}")
    print(f"tracebacks logged: {log_text.count('Traceback (most recent call last)')}")
    print(f"log written for them: {len(log_text.encode())} bytes, {log_text.count(chr(10))} lines")
    print(f"peak RSS (VmHWM) after start-up: {start_hwm / 1024:.1f} MiB")
    before = proc_kib(pid, "VmHWM")
    print(f"peak RSS (VmHWM) before the oversized bodies: {before / 1024:.1f} MiB")
    for how in ("no signature headers", "Content-Length", "chunked"):
        outcomes, sampled = flood(port, pid, args.clients, args.mib * MIB, how)
        shown = ", ".join(f"{n}x {o}" for o, n in outcomes.most_common())
        print(
            f"{args.clients} concurrent {args.mib} MiB bodies, {how}: {shown}; "
            f"VmRSS sampled max {sampled / 1024:.1f} MiB, "
            f"VmHWM now {proc_kib(pid, 'VmHWM') / 1024:.1f} MiB"
        )
    log_text = log_path.read_text(errors="replace")
    print(
        f"tracebacks logged in the whole run: {log_text.count('Traceback (most recent call last)')}"
    )


if __name__ == "__main__":
    main()
