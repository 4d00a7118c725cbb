"""Server-rendered SVG charts: readable with JavaScript off, accessible (role=img, title, desc)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

# Ballot options in display order and their colours (WCAG AA against white for the text labels).
OPTION_ORDER = ("yes", "no", "abstain", "paired", "absent", "not voting", "other")
OPTION_COLOURS = {
    "yes": "#1b7f3b",
    "no": "#b3261e",
    "abstain": "#8a7300",
    "paired": "#6a4c93",
    "absent": "#9aa0a6",
    "not voting": "#5f6368",
    "other": "#3c4043",
}


@dataclass(frozen=True)
class PartyRow:
    party: str
    counts: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _option_key(option: str) -> str:
    return option if option in OPTION_COLOURS else "other"


def vote_by_party_svg(rows: Sequence[PartyRow], *, title: str, width: int = 640) -> str:
    """A horizontal stacked bar per party: how its members voted (yes / no / abstain / ...)."""
    rows = [row for row in rows if row.total > 0]
    label_w, bar_h, gap, top, legend_h = 240, 22, 10, 8, 30
    bar_w = width - label_w - 60
    height = top + len(rows) * (bar_h + gap) + legend_h + 10
    largest = max((row.total for row in rows), default=1)
    used = [opt for opt in OPTION_ORDER if any(_option_key(o) == opt for row in rows for o in row.counts)]
    desc_parts = []
    for row in rows:
        summary = ", ".join(f"{n} {opt}" for opt, n in row.counts.items() if n)
        desc_parts.append(f"{row.party}: {summary}")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="chart-title chart-desc" font-family="system-ui, sans-serif" '
        f'font-size="13">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape("; ".join(desc_parts) or "No ballots recorded.")}</desc>',
    ]
    y = top
    for row in rows:
        name = row.party if len(row.party) <= 30 else row.party[:29] + "…"
        out.append(
            f'<text x="{label_w - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" fill="#1a1a1a">{escape(name)}</text>'
        )
        x = float(label_w)
        for option in OPTION_ORDER:
            count = sum(n for o, n in row.counts.items() if _option_key(o) == option)
            if not count:
                continue
            w = bar_w * count / largest
            out.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{OPTION_COLOURS[option]}">'
                f"<title>{escape(row.party)}: {count} {escape(option)}</title></rect>"
            )
            x += w
        out.append(f'<text x="{x + 6:.1f}" y="{y + bar_h * 0.7:.1f}" fill="#1a1a1a">{row.total}</text>')
        y += bar_h + gap
    lx = float(label_w)
    for option in used:
        out.append(f'<rect x="{lx:.1f}" y="{y + 6}" width="12" height="12" fill="{OPTION_COLOURS[option]}"/>')
        out.append(f'<text x="{lx + 16:.1f}" y="{y + 16}" fill="#1a1a1a">{escape(option)}</text>')
        lx += 24 + 8 * len(option)
    out.append("</svg>")
    return "".join(out)
