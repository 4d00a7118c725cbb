"""The circuit breaker in front of Redis (response cache and quotas): a dead or frozen Redis costs a flag check per
request, and a Redis that came back is used again within a probe window.

States: **closed** (every call goes to Redis) → a failure **opens** it for ``base`` seconds → when the window is
over, **half-open**: exactly one call (the *trial*) goes to Redis while the others keep skipping it; the trial's
success closes the breaker, its failure opens a new window twice as long (at most ``cap``). Only the trial's
failure lengthens the window: calls that were already in flight when Redis failed report failures too, and those
change nothing (a burst of concurrent failures is one failure, not a doubling each). A trial that never reports
(its request was cancelled) is given up after ``trial_timeout`` seconds and another call becomes the trial.

Callers take a ticket with :meth:`CircuitBreaker.allow` (None: skip Redis) and hand it back to
:meth:`~CircuitBreaker.success` or :meth:`~CircuitBreaker.failure`.
"""

from __future__ import annotations

import time

CLOSED = -1  # the ticket of a call made while the breaker was closed (trials are numbered from 1)


class CircuitBreaker:
    """See the module docstring. ``allow()`` is one comparison while closed."""

    def __init__(self, base: float = 0.1, cap: float = 0.5, trial_timeout: float = 5.0) -> None:
        self.base = base
        self.cap = cap
        self.trial_timeout = trial_timeout
        self.backoff = 0.0  # 0: closed
        self.open_until = 0.0
        self.trial = 0  # the ticket of the trial in flight, 0 when none
        self.trial_started = 0.0
        self.tickets = 0
        self.windows = 0  # windows opened since the process started (observability, tests)

    @property
    def is_open(self) -> bool:
        return self.backoff > 0.0

    def allow(self) -> int | None:
        """A ticket when this call may use Redis (``CLOSED`` while closed, a trial's own number when half-open);
        None when it must skip Redis."""
        if self.backoff == 0.0:
            return CLOSED
        now = time.monotonic()
        if now < self.open_until:
            return None
        if self.trial and now - self.trial_started < self.trial_timeout:
            return None  # one trial at a time
        self.tickets += 1
        self.trial = self.tickets
        self.trial_started = now
        return self.trial

    def success(self, ticket: int | None = CLOSED) -> bool:
        """Redis answered this call; True when that closed the breaker (Redis is back)."""
        if self.backoff == 0.0 or ticket != self.trial or not ticket:
            return False
        self.backoff = 0.0
        self.open_until = 0.0
        self.trial = 0
        return True

    def failure(self, ticket: int | None = CLOSED) -> float:
        """Redis failed this call; the current window's length (0 while still closed is impossible: a failure of
        a closed breaker opens it)."""
        now = time.monotonic()
        if self.backoff == 0.0:
            self.backoff = self.base
        elif ticket and ticket == self.trial:
            self.backoff = min(self.backoff * 2, self.cap)
            self.trial = 0
        else:
            return self.backoff  # a call from before the window opened: the window stands
        self.open_until = now + self.backoff
        self.windows += 1
        return self.backoff
