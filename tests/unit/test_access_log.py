"""The per-request access log is buffered like nginx's ``access_log buffer= flush=``: written together, soon."""

from __future__ import annotations

import asyncio
import json

import pytest

from openpolicy.observability.logging import AccessLog


def lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def make() -> AccessLog:
    log = AccessLog()
    log.configure("json", enabled=True)
    return log


def test_outside_an_event_loop_each_line_is_written_at_once(capfd: pytest.CaptureFixture[str]) -> None:
    make().request(request_id="a", route="/v1/people", status=200)
    (line,) = lines(capfd.readouterr().out)
    assert line["request_id"] == "a" and line["event"] == "request" and line["level"] == "info"


def test_in_an_event_loop_lines_wait_for_the_flush_interval_then_go_out_together(
    capfd: pytest.CaptureFixture[str],
) -> None:
    log = make()

    async def burst() -> tuple[str, str]:
        for i in range(3):
            log.request(request_id=f"r{i}", route="/v1/people", status=200)
        early = capfd.readouterr().out
        await asyncio.sleep(log.FLUSH_SECONDS * 3)
        return early, capfd.readouterr().out

    early, later = asyncio.run(burst())
    assert early == ""
    assert [line["request_id"] for line in lines(later)] == ["r0", "r1", "r2"]


def test_a_full_buffer_and_flush_write_without_waiting(capfd: pytest.CaptureFixture[str]) -> None:
    log = make()

    count = log.FLUSH_BYTES // 1000 + 1

    async def fill() -> tuple[int, int]:
        for i in range(count):
            log.request(request_id=f"r{i}", path="x" * 1000, status=200)
        written = len(lines(capfd.readouterr().out))  # the buffer reached FLUSH_BYTES: written at once
        log.flush()  # what the servers call when they stop
        return written, len(lines(capfd.readouterr().out))

    written, flushed = asyncio.run(fill())
    assert 0 < written < count
    assert written + flushed == count


def test_disabled_below_info_writes_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    log = AccessLog()
    log.configure("json", enabled=False)
    log.request(request_id="a", status=200)
    assert capfd.readouterr().out == ""


def test_each_line_carries_its_own_utc_time_to_the_microsecond(capfd: pytest.CaptureFixture[str]) -> None:
    import datetime as dt
    import re
    import time

    log = make()
    before = dt.datetime.now(dt.UTC)
    for i in range(3):
        log.request(request_id=f"t{i}", status=200)
        time.sleep(0.002)
    after = dt.datetime.now(dt.UTC)
    stamps = [str(line["timestamp"]) for line in lines(capfd.readouterr().out)]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", stamp) for stamp in stamps), stamps
    times = [dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")) for stamp in stamps]
    assert before <= times[0] < times[1] < times[2] <= after
