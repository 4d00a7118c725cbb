"""Faults under load behind the reference edge (`make bench-faults`): a table of requests, non-2xx, 5xx and time to
recover per fault, and the flood of expensive searches measured as another client's p50 against its quiet p50.

The stack is ``tests.support.edge.EdgeStack``: nginx (``infrastructure/edge/nginx.conf``) in front of two api and
two web processes over a PostgreSQL (embedded binaries, own port) and a ``redis-server`` of its own, with the demo
data (scale 1); the machine's shared PostgreSQL and Redis are only used to make nothing. Four clients send GETs
through the edge during each fault (api lists, a cursor of the change feed that is never cached, the web's home).

Faults: Redis stop/start, PostgreSQL stop/start, PostgreSQL frozen (SIGSTOP of every server process), a rolling
restart of the four processes, SIGTERM of one api (then started again), 2,000 slowloris connections, clients
sending oversized heads, and floods of searches at 4 req/s — a 30-word 200-result search (refused by the word
limit), the costliest accepted one (10 words, 200 results), each without and with an API key. "Recover" is the
time from the fault's end until the stack answers as before (first cache hit, first uncached 200, every slow
connection closed); for a flood, the other client's p50 during it against its quiet p50 measured right before.
Figures go to stdout and ``artifacts/bench/faults.json``. Nothing here is a test: it prints what it measured.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from tests.support import OPENPOLICY  # noqa: E402
from tests.support.edge import Answer, EdgeStack, Load, edge_stack  # noqa: E402

ARTIFACTS = ROOT / "artifacts" / "bench"
FAULT_SECONDS = float(os.environ.get("BENCH_FAULT_SECONDS", "3"))
FLOOD_SECONDS = float(os.environ.get("BENCH_FLOOD_SECONDS", "10"))
WORDS = [
    "tax",
    "health",
    "education",
    "budget",
    "energy",
    "housing",
    "transport",
    "water",
    "climate",
    "defence",
    "justice",
    "pension",
    "trade",
    "farm",
    "school",
    "hospital",
    "road",
    "rail",
    "police",
    "court",
    "labour",
    "union",
    "tariff",
    "border",
    "fishery",
    "forest",
    "mine",
    "bank",
    "loan",
    "grant",
]


@dataclass
class Row:
    fault: str
    requests: int
    non_2xx: int
    errors_5xx: int
    no_answer: int
    recover_s: float | None
    note: str = ""


def counts(answers: list[Answer]) -> tuple[int, int, int, int]:
    return (
        len(answers),
        sum(1 for a in answers if not 200 <= a.status < 300),
        sum(1 for a in answers if a.status >= 500),
        sum(1 for a in answers if a.status == 0),
    )


class Cursor:
    """Paths never cached twice: the change feed after an ever-increasing cursor."""

    def __init__(self) -> None:
        self.n = 0
        self.lock = threading.Lock()

    def __call__(self) -> str:
        with self.lock:
            self.n += 1
            return f"/v1/changes?after={self.n}&limit=20"


def poll_until(check: Callable[[], bool], limit: float = 60.0, step: float = 0.02) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            if check():
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(step)
    return None


def load_paths() -> list[str]:
    return ["/v1/jurisdictions", "/v1/people?limit=5", "/v1/bills?limit=5", "/"]


def statuses(answers: list[Answer]) -> str:
    """The non-2xx answers by status (0: no answer), and whether every 503 carried Retry-After."""
    odd = sorted({a.status for a in answers if not 200 <= a.status < 300})
    text = ", ".join(f"{s}×{sum(1 for a in answers if a.status == s)}" for s in odd)
    refused = [a for a in answers if a.status == 503]
    if refused:
        text += f" (Retry-After on {sum(1 for a in refused if a.retry_after)} of {len(refused)} 503s)"
    return text


def run_fault(stack: EdgeStack, name: str, inject: Callable[[], None], heal: Callable[[], float | None]) -> Row:
    load = Load(stack.base, load_paths(), clients=4).start()
    time.sleep(1.0)
    try:
        inject()
        recover = heal()
        time.sleep(1.0)
    finally:
        answers = load.stop()
    return Row(name, *counts(answers), recover_s=recover, note=statuses(answers))


def uncached_ok(stack: EdgeStack, cursor: Cursor) -> Callable[[], bool]:
    return lambda: httpx.get(f"{stack.base}{cursor()}", timeout=5).status_code == 200


def redis_fault(stack: EdgeStack) -> Row:
    path = "/v1/bills?limit=7"

    def inject() -> None:
        stack.redis.stop()
        time.sleep(FAULT_SECONDS)

    def heal() -> float | None:
        stack.redis.start()
        return poll_until(lambda: httpx.get(f"{stack.base}{path}").headers.get("x-cache") == "hit")

    return run_fault(stack, f"Redis stopped {FAULT_SECONDS:g} s, started", inject, heal)


def postgres_stop(stack: EdgeStack, cursor: Cursor) -> Row:
    def inject() -> None:
        stack.pg.stop()
        time.sleep(FAULT_SECONDS)

    def heal() -> float | None:
        stack.pg.start()
        return poll_until(uncached_ok(stack, cursor))

    return run_fault(stack, f"PostgreSQL stopped {FAULT_SECONDS:g} s, started", inject, heal)


def postgres_freeze(stack: EdgeStack, cursor: Cursor) -> Row:
    def inject() -> None:
        stack.pg.freeze()
        time.sleep(FAULT_SECONDS)

    def heal() -> float | None:
        stack.pg.thaw()
        return poll_until(uncached_ok(stack, cursor))

    return run_fault(stack, f"PostgreSQL frozen (SIGSTOP) {FAULT_SECONDS:g} s", inject, heal)


def rolling(stack: EdgeStack) -> Row:
    def inject() -> None:
        for process in stack.processes():
            process.restart()
            time.sleep(2.5)  # the edge's fail_timeout: it routes to the new replica before the next one stops

    return run_fault(stack, "rolling restart (2 api + 2 web)", inject, lambda: 0.0)


def sigterm(stack: EdgeStack) -> Row:
    api = stack.apis[0]
    started = 0.0

    def inject() -> None:
        nonlocal started
        assert api.stop(signal.SIGTERM) == 0
        started = time.monotonic()

    def heal() -> float | None:
        api.start()
        return time.monotonic() - started

    row = run_fault(stack, "SIGTERM of one api, started again", inject, heal)
    row.note = "; ".join(filter(None, ["recover: until the new process is ready", row.note]))
    return row


def slowloris(stack: EdgeStack, connections: int = 2000) -> Row:
    host, port = stack.base.removeprefix("http://").split(":")
    sockets: list[socket.socket] = []
    load = Load(stack.base, load_paths(), clients=4).start()
    time.sleep(1.0)
    try:
        for _ in range(connections):
            sock = socket.create_connection((host, int(port)), timeout=10)
            sock.sendall(b"GET /v1/people HTTP/1.1\r\nHost: x\r\n")
            sockets.append(sock)
        opened = time.monotonic()
        for sock in sockets:
            sock.setblocking(False)

        def all_closed() -> bool:
            for sock in list(sockets):
                try:
                    if sock.recv(4096) == b"":
                        sockets.remove(sock)
                        sock.close()
                except BlockingIOError:
                    return False
                except OSError:
                    sockets.remove(sock)
                    sock.close()
            return not sockets

        recover = poll_until(all_closed, limit=60, step=0.2)
        closed_after = time.monotonic() - opened if recover is not None else None
    finally:
        answers = load.stop()
        for sock in sockets:
            sock.close()
    note = "; ".join(filter(None, ["recover: until the edge closed every slow connection", statuses(answers)]))
    return Row(f"slowloris: {connections} half-sent heads", *counts(answers), recover_s=closed_after, note=note)


def oversized(stack: EdgeStack, target: str, label: str) -> Row:
    host, port = target.removeprefix("http://").split(":")
    stop = threading.Event()
    statuses: list[bytes] = []

    def attacker() -> None:
        while not stop.is_set():
            with socket.create_connection((host, int(port)), timeout=10) as sock:
                with contextlib.suppress(OSError):
                    sock.sendall(b"GET /v1/people HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
                try:
                    statuses.append(sock.recv(64)[:12])
                except OSError:
                    statuses.append(b"reset")

    attackers = [threading.Thread(target=attacker, daemon=True) for _ in range(4)]
    load = Load(stack.base, load_paths(), clients=4).start()
    for thread in attackers:
        thread.start()
    time.sleep(FLOOD_SECONDS / 2)
    stop.set()
    for thread in attackers:
        thread.join(10)
    answers = load.stop()
    answered = {s.decode(errors="replace").strip() for s in statuses}
    return Row(f"oversized heads (1 MiB) at {label}", *counts(answers), recover_s=0.0,
               note=f"{len(statuses)} sent, answered {', '.join(sorted(answered))}")  # fmt: skip


def p50_ms(answers: list[Answer]) -> float:
    return statistics.median(a.seconds for a in answers) * 1000 if answers else float("nan")


def flood(stack: EdgeStack, words: int, limit: int, key: str | None, quiet_ms: float) -> tuple[Row, float]:
    """A flooding client at 4 req/s of one search, and another client of the change feed: the other's p50."""
    cursor = Cursor()
    query = " ".join(WORDS[:words])
    headers = {"X-Forwarded-For": "198.51.100.7"}  # a public address: the edge's X-Forwarded-For names it
    if key:
        headers["X-API-Key"] = key
    stop = threading.Event()
    flood_statuses: list[int] = []
    orders = itertools.cycle(itertools.permutations(("person", "bill", "vote", "area", "organization", "speech")))

    def flooder() -> None:
        with httpx.Client(base_url=stack.base, headers=headers, timeout=60) as client:
            while not stop.is_set():
                started = time.monotonic()
                # the types in another order each time: the same search, computed every time (the response cache
                # would answer a repeated query string)
                types = ",".join(next(orders))
                answer = client.get("/v1/search", params={"q": query, "limit": limit, "types": types})
                flood_statuses.append(answer.status_code)
                time.sleep(max(0.0, 0.25 - (time.monotonic() - started)))

    threads = [threading.Thread(target=flooder, daemon=True)]
    other = OtherClient(stack.base, cursor)
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    answers = other.run(FLOOD_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(60)
    during = p50_ms(answers)
    who = "with an API key" if key else "without a key"
    codes = ", ".join(f"{c}×{n}" for c, n in sorted({s: flood_statuses.count(s) for s in flood_statuses}.items()))
    row = Row(
        f"flood: {words}-word search, limit {limit}, 4 req/s, {who}",
        *counts(answers),
        recover_s=None,
        note=f"other client p50 {during:.1f} ms vs quiet {quiet_ms:.1f} ms = {during / quiet_ms:.2f}×; flood {codes}",
    )
    return row, during


class OtherClient:
    """One client asking the never-cached change feed in a loop (its latency is what a flood costs others)."""

    def __init__(self, base: str, cursor: Cursor) -> None:
        self.base = base
        self.cursor = cursor

    def run(self, seconds: float) -> list[Answer]:
        answers: list[Answer] = []
        with httpx.Client(base_url=self.base, timeout=30) as client:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                path = self.cursor()
                started = time.monotonic()
                response = client.get(path)
                answers.append(Answer(started, path, response.status_code, None, time.monotonic() - started))
        return answers


def create_key(stack: EdgeStack) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "API_URL"}}
    env["DATABASE_URL"] = stack.database_url
    done = subprocess.run([OPENPOLICY, "keys", "create", "bench-faults"], env=env, capture_output=True, text=True)
    match = re.search(r"^api key \d+ for .*?: (op_\S+)$", done.stdout, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"keys create failed: {done.stdout}{done.stderr}")
    return match.group(1)


def main() -> int:
    started = datetime.now(UTC)
    rows: list[Row] = []
    logs = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    print(f"bench-faults: building the stack (logs in {logs}) …", flush=True)
    # quotas as in production: the load and the other client come from loopback (the platform's own networks, not
    # limited); the flooder presents a public address, which the edge's X-Forwarded-For passes on (TRUSTED_PROXIES)
    with edge_stack(logs, demo_scale=1) as stack:
        key = create_key(stack)
        cursor = Cursor()
        quiet = p50_ms(OtherClient(stack.base, cursor).run(FLOOD_SECONDS / 2))
        print(f"quiet p50 of the other client: {quiet:.1f} ms", flush=True)
        steps: list[Callable[[], Row]] = [
            lambda: redis_fault(stack),
            lambda: postgres_stop(stack, cursor),
            lambda: postgres_freeze(stack, cursor),
            lambda: rolling(stack),
            lambda: sigterm(stack),
            lambda: slowloris(stack),
            lambda: oversized(stack, stack.base, "the edge"),
            lambda: oversized(stack, stack.apis[1].base, "an api process"),
        ]
        for step in steps:
            row = step()
            rows.append(row)
            print(f"  {row.fault}: {row.requests} requests, {row.non_2xx} non-2xx, {row.errors_5xx} 5xx, "
                  f"recover {row.recover_s}", flush=True)  # fmt: skip
        floods = []
        for words, limit in ((30, 200), (10, 200)):
            for with_key in (None, key):
                quiet = p50_ms(OtherClient(stack.base, cursor).run(FLOOD_SECONDS / 2))
                row, during = flood(stack, words, limit, with_key, quiet)
                rows.append(row)
                floods.append({"words": words, "limit": limit, "key": bool(with_key), "quiet_p50_ms": quiet,
                               "during_p50_ms": during, "ratio": during / quiet})  # fmt: skip
                print(f"  {row.fault}: {row.note}", flush=True)
    finished = datetime.now(UTC)
    machine = f"{platform.node()} ({os.cpu_count()} cores, {platform.machine()}, Linux {platform.release()})"
    print()
    print(f"bench-faults {started:%Y-%m-%d %H:%M}–{finished:%H:%M} UTC on {machine}")
    print("| fault | requests | non-2xx | 5xx | no answer | recover | note |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        recover = "—" if row.recover_s is None else f"{row.recover_s:.2f} s"
        print(f"| {row.fault} | {row.requests} | {row.non_2xx} | {row.errors_5xx} | {row.no_answer} | {recover} | "
              f"{row.note} |")  # fmt: skip
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "faults.json").write_text(
        json.dumps(
            {
                "started": started.isoformat(),
                "finished": finished.isoformat(),
                "machine": machine,
                "rows": [asdict(r) for r in rows],
                "floods": floods,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
