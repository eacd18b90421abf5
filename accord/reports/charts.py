"""Charts drawn on the server as inline SVG: readable without JavaScript, in the page and the PDF."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

COLORS = {"green": "#1f9d55", "amber": "#d97706", "red": "#dc2626", "planned": "#9aa3b5", "actual": "#2952cc"}
FONT = 'font-family="Noto Sans SC, Accord Sans SC, sans-serif" font-size="11"'


def _d(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _short(day: dt.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def text_width(text: str, size: float) -> float:
    """A generous estimate of a label's drawn width: CJK characters are one em wide, others
    at most ~0.62 em in the fonts the charts name."""
    return sum(size if unicodedata.east_asian_width(ch) in ("W", "F") else size * 0.62 for ch in text)


def _extent(x: float, text: str, anchor: str, size: float) -> tuple[float, float]:
    w = text_width(text, size)
    start = x if anchor == "start" else x - w if anchor == "end" else x - w / 2
    return start, start + w


def axis_labels(labels: list[tuple[float, str, str]], *, size: float, gap: float = 6) -> list[tuple]:
    """Of the axis labels (x, text, text-anchor), the ones that can be drawn without touching:
    left to right, a label closer than ``gap`` to the last one kept is left out. The last
    label (the latest date) is always kept; the ones before it that it would touch go."""
    kept: list[tuple[float, str, str]] = []
    for label in labels:
        if not kept or _extent(*label, size)[0] >= _extent(*kept[-1], size)[1] + gap:
            kept.append(label)
    if labels and kept[-1] is not labels[-1]:
        while kept and _extent(*labels[-1], size)[0] < _extent(*kept[-1], size)[1] + gap:
            kept.pop()
        kept.append(labels[-1])
    return kept


def _label_texts(labels: list[tuple], *, y: float, size: float, fill: str = "#6b7280") -> list[str]:
    return [
        f'<text x="{x}" y="{y}" text-anchor="{anchor}" fill="{fill}" '
        f'font-family="Noto Sans SC, Accord Sans SC, sans-serif" font-size="{size}">{escape(text)}</text>'
        for x, text, anchor in labels
    ]


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>"
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - every text is escaped above


def _empty(width: int, height: int, title: str) -> SafeString:
    return _svg(
        width,
        height,
        title,
        [
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f7f8fb" stroke="#e3e6ee"/>',
            f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle" fill="#6b7280" {FONT}>'
            f"{escape(_('No data yet.'))}</text>",
        ],
    )


def burnup(series: list[dict], *, width: int = 560, height: int = 220) -> SafeString:
    """Tasks in scope and tasks done over time."""
    title = _("Task burn-up")
    if not series or not any(p["total"] for p in series):
        return _empty(width, height, title)
    left, right, top, bottom = 40, 12, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(p["total"] for p in series) or 1
    n = len(series)

    def xy(i: int, value: int) -> tuple[float, float]:
        x = left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)
        return round(x, 1), round(top + plot_h - plot_h * value / peak, 1)

    scope = " ".join(f"{x},{y}" for x, y in (xy(i, p["total"]) for i, p in enumerate(series)))
    done = " ".join(f"{x},{y}" for x, y in (xy(i, p["done"]) for i, p in enumerate(series)))
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#c5cad6"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#c5cad6"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" fill="#6b7280" {FONT}>{peak}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" fill="#6b7280" {FONT}>0</text>',
        f'<polyline points="{scope}" fill="none" stroke="{COLORS["planned"]}" stroke-width="2" '
        f'stroke-dasharray="5 3"/>',
        f'<polyline points="{done}" fill="none" stroke="{COLORS["actual"]}" stroke-width="2.5"/>',
        *_label_texts(
            axis_labels(
                [(left, _short(_d(series[0]["date"])), "start")]
                + ([(left + plot_w, _short(_d(series[-1]["date"])), "end")] if n > 1 else []),
                size=11,
            ),
            y=height - 18,
            size=11,
        ),
        f'<rect x="{left}" y="{height - 11}" width="14" height="3" fill="{COLORS["planned"]}"/>',
        f'<text x="{left + 18}" y="{height - 6}" fill="#374151" {FONT}>{escape(_("Tasks in scope"))}</text>',
        f'<rect x="{left + 150}" y="{height - 11}" width="14" height="3" fill="{COLORS["actual"]}"/>',
        f'<text x="{left + 168}" y="{height - 6}" fill="#374151" {FONT}>{escape(_("Tasks done"))}</text>',
    ]
    return _svg(width, height, title, body)


def milestone_timeline(rows: list[dict], *, width: int = 560) -> SafeString:
    """Each milestone's planned (baseline) date against its actual or current date."""
    title = _("Milestones: planned and actual")
    row_h, top, label_w, right = 22, 10, 170, 16
    height = top + row_h * max(len(rows), 1) + 34
    if not rows:
        return _empty(width, 80, title)
    dates = [_d(r["baseline"]) for r in rows] + [_d(r["completed_on"] or r["due"]) for r in rows]
    first, last = min(dates), max(dates)
    span = max((last - first).days, 1)
    plot_w = width - label_w - right

    def x(day: dt.date) -> float:
        return round(label_w + plot_w * (day - first).days / span, 1)

    body = []
    for i, r in enumerate(rows):
        y = top + i * row_h + row_h / 2
        planned, actual = _d(r["baseline"]), _d(r["completed_on"] or r["due"])
        late = actual > planned
        color = COLORS["red"] if late else COLORS["green"] if r["completed_on"] else COLORS["actual"]
        name = r["name"] if len(r["name"]) <= 24 else r["name"][:23] + "…"
        body += [
            f'<text x="0" y="{y + 4}" fill="#374151" {FONT}>{escape(name)}</text>',
            f'<line x1="{min(x(planned), x(actual))}" y1="{y}" x2="{max(x(planned), x(actual))}" y2="{y}" '
            f'stroke="{color}" stroke-width="2"/>',
            f'<circle cx="{x(planned)}" cy="{y}" r="4" fill="#fff" '
            f'stroke="{COLORS["planned"]}" stroke-width="2"/>',
            f'<rect x="{x(actual) - 4}" y="{y - 4}" width="8" height="8" fill="{color}" '
            f'transform="rotate(45 {x(actual)} {y})"/>',
        ]
    base = top + row_h * len(rows) + 4
    body += [
        f'<line x1="{label_w}" y1="{base}" x2="{label_w + plot_w}" y2="{base}" stroke="#c5cad6"/>',
        *_label_texts(
            axis_labels(
                [(label_w, _short(first), "start")]
                + ([(label_w + plot_w, _short(last), "end")] if last != first else []),
                size=11,
            ),
            y=base + 13,
            size=11,
        ),
        f'<circle cx="{label_w + 5}" cy="{base + 24}" r="4" fill="#fff" '
        f'stroke="{COLORS["planned"]}" stroke-width="2"/>',
        f'<text x="{label_w + 14}" y="{base + 28}" fill="#374151" {FONT}>{escape(_("Planned"))}</text>',
        f'<rect x="{label_w + 100}" y="{base + 20}" width="8" height="8" fill="{COLORS["actual"]}"/>',
        f'<text x="{label_w + 114}" y="{base + 28}" fill="#374151" {FONT}>'
        f"{escape(_('Actual or forecast'))}</text>",
    ]
    return _svg(width, height, title, body)


def rag_history(rows: list[dict], *, width: int = 560, height: int = 70) -> SafeString:
    """One coloured block per published report, oldest first."""
    title = _("RAG history")
    if not rows:
        return _empty(width, height, title)
    gap = 4
    block = min(60, (width - gap * (len(rows) - 1)) / len(rows))
    body = []
    labels = {"green": _("Green"), "amber": _("Amber"), "red": _("Red")}
    dates = []
    for i, r in enumerate(rows):
        x = round(i * (block + gap), 1)
        body.append(
            f'<rect x="{x}" y="6" width="{block}" height="30" rx="4" fill="{COLORS.get(r["rag"], "#999")}">'
            f"<title>{escape(labels.get(r['rag'], r['rag']))}</title></rect>"
        )
        text = _short(_d(r["date"]))
        # Under its block, but never past the chart's right edge.
        fits = x + text_width(text, 9) <= width
        dates.append((x, text, "start") if fits else (round(x + block, 1), text, "end"))
    # Many reports make the blocks narrower than their dates: some dates are left out.
    body += _label_texts(axis_labels(dates, size=9), y=54, size=9)
    return _svg(width, height, title, body)


def charts_for(snapshot: dict, history: list[dict]) -> dict[str, SafeString]:
    return {
        "burnup": burnup(snapshot.get("burnup") or []),
        "timeline": milestone_timeline(snapshot.get("timeline") or []),
        "rag_history": rag_history(history),
    }


# Used inside f-strings above, where makemessages cannot see them.
_EXTRACT = (
    gettext_noop("No data yet."),
    gettext_noop("Tasks in scope"),
    gettext_noop("Tasks done"),
    gettext_noop("Planned"),
    gettext_noop("Actual or forecast"),
)
