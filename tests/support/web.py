"""Browser helpers for the web-interface tests: Debian's Chromium driven by Playwright, axe-core served locally."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@contextmanager
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


def axe_source() -> str:
    """axe-core as shipped in the axe-playwright-python wheel (no network needed)."""
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def serious_violations(page: Any, axe_js: str) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2 A/AA rules) on the page; return violations of impact serious or critical."""
    page.add_script_tag(content=axe_js)
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', "
        "values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@contextmanager
def desktop_page() -> Iterator[Any]:
    """A Chromium page at desktop width with a 15 s default timeout, in a context of its own."""
    with browser() as chromium:
        context = chromium.new_context(viewport=DESKTOP)
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            yield page
        finally:
            context.close()


@contextmanager
def live_site(database_url: str, tmp: Path) -> Iterator[tuple[str, str]]:
    """A real api and web (processes) over ``database_url``: ``(web base URL, api base URL)``."""
    from tests.support import start_api, start_web

    api, api_base = start_api(database_url, tmp)
    try:
        web, web_base = start_web(api_base, tmp)
        try:
            yield web_base, api_base
        finally:
            web.stop()
    finally:
        api.stop()
