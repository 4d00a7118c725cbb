"""Whether the synthetic demo parliament is loaded, as the api's ``GET /v1/status`` says (``demo_data``).

Every page shows a banner while it is. The answer is re-read at most every ``ttl`` seconds (pages that read
``/v1/status`` anyway refresh it for free), so the banner appears or goes within ``ttl`` seconds of the data
changing, plus the page micro-cache. Error pages use the last answer and never wait for the api.
"""

from __future__ import annotations

import asyncio
import time

from openpolicy.web import types as s
from openpolicy.web.client import ApiClient, ApiError

RETRY_SECONDS = 5.0  # after a failed read, pages go without the banner this long before asking again


class DemoNotice:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._value: s.DemoData | None = None
        self._next_check = 0.0
        self._lock = asyncio.Lock()

    def known(self) -> s.DemoData | None:
        """The last answer (None before the first one)."""
        return self._value

    def update(self, status: s.Status) -> None:
        self._value = status.demo_data
        self._next_check = time.monotonic() + self.ttl

    async def current(self, api: ApiClient) -> s.DemoData | None:
        """The demo data set while it is loaded, else None; reads ``/v1/status`` when the last answer expired."""
        if time.monotonic() < self._next_check:
            return self._value
        async with self._lock:
            if time.monotonic() >= self._next_check:
                try:
                    self.update(await api.get_model(s.Status, "/v1/status"))
                except ApiError:
                    self._next_check = time.monotonic() + RETRY_SECONDS
        return self._value
