"""The Redis circuit breaker: one trial per probe window, escalation only by the trial's failure."""

from __future__ import annotations

import time

from openpolicy.api.breaker import CLOSED, CircuitBreaker


def test_concurrent_failures_open_one_window_and_do_not_escalate_it() -> None:
    breaker = CircuitBreaker(base=0.05, cap=0.2)
    tickets = [breaker.allow() for _ in range(50)]  # 50 calls in flight when Redis dies
    assert tickets == [CLOSED] * 50
    windows = [breaker.failure(ticket) for ticket in tickets]
    assert windows == [0.05] * 50  # the first opened the window, the 49 others changed nothing
    assert breaker.windows == 1
    assert breaker.allow() is None  # inside the window every call skips Redis


def test_half_open_lets_exactly_one_trial_through_and_its_failure_doubles_the_window() -> None:
    breaker = CircuitBreaker(base=0.05, cap=0.15)
    breaker.failure(breaker.allow())
    time.sleep(0.06)
    trial = breaker.allow()
    assert trial not in (None, CLOSED)
    assert [breaker.allow() for _ in range(20)] == [None] * 20  # the others skip while the trial runs
    assert breaker.failure(trial) == 0.1
    time.sleep(0.11)
    assert breaker.failure(breaker.allow()) == 0.15  # capped
    time.sleep(0.16)
    assert breaker.failure(breaker.allow()) == 0.15
    assert breaker.windows == 4


def test_the_trials_success_closes_and_a_stale_success_does_not() -> None:
    breaker = CircuitBreaker(base=0.05, cap=0.2)
    late = breaker.allow()
    breaker.failure(breaker.allow())
    assert breaker.success(late) is False  # a call from before the outage answered late: still open
    assert breaker.is_open
    time.sleep(0.06)
    trial = breaker.allow()
    assert breaker.success(trial) is True
    assert not breaker.is_open
    assert breaker.allow() == CLOSED


def test_a_trial_that_never_reports_is_replaced() -> None:
    breaker = CircuitBreaker(base=0.01, cap=0.01, trial_timeout=0.05)
    breaker.failure(breaker.allow())
    time.sleep(0.02)
    lost = breaker.allow()
    assert lost and breaker.allow() is None
    time.sleep(0.06)
    replacement = breaker.allow()
    assert replacement and replacement != lost
    assert breaker.failure(lost) == 0.01  # the lost trial's late report is not the current trial's
    assert breaker.success(replacement) is True
