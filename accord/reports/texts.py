"""The words a drafted report is written in (in the active language)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from accord.lib.money import format_money


def reason_text(reason: dict) -> str:
    n = reason.get("count", 0)
    code = reason.get("code")
    if code == "milestones_overdue":
        return ngettext(
            "%(n)d milestone is overdue or missed", "%(n)d milestones are overdue or missed", n
        ) % {"n": n}
    if code == "many_tasks_overdue":
        return ngettext(
            "%(n)d task is overdue (a quarter or more of the open work)",
            "%(n)d tasks are overdue (a quarter or more of the open work)",
            n,
        ) % {"n": n}
    if code == "tasks_overdue":
        return ngettext("%(n)d task is overdue", "%(n)d tasks are overdue", n) % {"n": n}
    if code == "tasks_blocked":
        return ngettext("%(n)d task is blocked", "%(n)d tasks are blocked", n) % {"n": n}
    if code == "critical_risks":
        return ngettext("%(n)d critical risk is open", "%(n)d critical risks are open", n) % {"n": n}
    if code == "high_risks":
        return ngettext("%(n)d high risk is open", "%(n)d high risks are open", n) % {"n": n}
    if code == "pending_changes":
        return ngettext(
            "%(n)d change request awaits a decision", "%(n)d change requests await a decision", n
        ) % {"n": n}
    if code == "milestones_slipped":
        return ngettext(
            "%(n)d milestone moved past its baseline date",
            "%(n)d milestones moved past their baseline dates",
            n,
        ) % {"n": n}
    if code == "over_estimate":
        return _("Hours spent are at %(n)d%% of the estimate") % {"n": n}
    if code == "near_estimate":
        return _("Hours spent are close to the estimate (%(n)d%%)") % {"n": n}
    return _("On track: nothing overdue, blocked or at high risk")


def _date(value: str | None) -> str:
    if not value:
        return "—"
    return formats.date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")


def _tasks(rows: list[dict]) -> str:
    lines = []
    for row in rows:
        extra = []
        if row.get("assignee"):
            extra.append(row["assignee"])
        if row.get("due"):
            extra.append(_("due %(date)s") % {"date": _date(row["due"])})
        lines.append(f"- {row['title']}" + (f" ({', '.join(extra)})" if extra else ""))
    return "\n".join(lines)


def compose_sections(data: dict, project) -> dict[str, str]:
    """The Markdown of each section, from :func:`accord.reports.selectors.report_data`."""
    no_activity = _("No activity in this period.")
    sections: dict[str, str] = {}

    change = data.get("progress_change")
    progress = _("Overall progress: **%(pct)d%%** (%(done)d of %(total)d tasks done).") % {
        "pct": data["progress"],
        "done": data["tasks_done"],
        "total": data["tasks_total"],
    }
    if change is not None:
        progress += " " + _("Change since the last report: %(change)+d points.") % {"change": change}
    sections["progress"] = progress

    summary = [
        _("Status for %(start)s – %(end)s.")
        % {"start": _date(data["period_start"]), "end": _date(data["period_end"])}
    ]
    if not data.get("has_activity"):
        summary.append(no_activity)
    summary.append(_("Suggested status: %(rag)s.") % {"rag": rag_label(data["suggested_rag"])})
    summary.append("\n".join(f"- {reason_text(r)}" for r in data["rag_reasons"]))
    sections["summary"] = "\n\n".join(summary)

    parts = []
    if data["milestones_hit"]:
        parts.append(
            f"**{_('Reached')}**\n\n"
            + "\n".join(f"- {m['name']} ({_date(m['completed_on'])})" for m in data["milestones_hit"])
        )
    if data["milestones_slipped"]:
        parts.append(
            f"**{_('Slipped')}**\n\n"
            + "\n".join(
                "- "
                + _("%(name)s: planned %(planned)s, now %(due)s")
                % {
                    "name": m["name"],
                    "planned": _date(m["baseline"]),
                    "due": _date(m["completed_on"] or m["due"]),
                }
                for m in data["milestones_slipped"]
            )
        )
    if data["milestones_upcoming"]:
        parts.append(
            f"**{_('Upcoming')}**\n\n"
            + "\n".join(f"- {m['name']} ({_date(m['due'])})" for m in data["milestones_upcoming"])
        )
    sections["milestones"] = "\n\n".join(parts) or _("No milestone reached, slipped or due soon.")

    sections["completed"] = _tasks(data["completed"]) or no_activity

    parts = []
    if data["overdue"]:
        parts.append(f"**{_('Overdue tasks')}**\n\n" + _tasks(data["overdue"]))
    if data["blocked"]:
        parts.append(f"**{_('Blocked tasks')}**\n\n" + _tasks(data["blocked"]))
    if data.get("risks_tracked") and data["risks"]:
        parts.append(
            f"**{_('Open high risks')}**\n\n"
            + "\n".join(f"- {r['title']} ({_('score')} {r['score']})" for r in data["risks"])
        )
    if data.get("changes_tracked") and data["changes"]:
        parts.append(
            f"**{_('Change requests awaiting a decision')}**\n\n"
            + "\n".join(f"- {c['title']}" for c in data["changes"])
        )
    sections["challenges"] = "\n\n".join(parts) or _("No overdue or blocked work and no open high risk.")

    parts = []
    if data["next_tasks"]:
        parts.append(_tasks(data["next_tasks"]))
    if data["milestones_upcoming"]:
        parts.append(
            "\n".join(
                "- " + _("Milestone: %(name)s (%(date)s)") % {"name": m["name"], "date": _date(m["due"])}
                for m in data["milestones_upcoming"]
            )
        )
    sections["next_steps"] = "\n".join(parts) or _("Nothing is scheduled for the next period yet.")

    budget = data["budget"]
    lines = []
    if budget["amount"] is not None:
        lines.append(
            _("Planned budget: %(amount)s.")
            % {"amount": format_money(Decimal(budget["amount"]), budget["currency"])}
        )
    if budget["estimate_hours"]:
        lines.append(
            _("Hours spent: %(spent)s of %(estimate)s estimated.")
            % {
                "spent": formats.number_format(Decimal(budget["spent_hours"]), 1),
                "estimate": formats.number_format(Decimal(budget["estimate_hours"]), 1),
            }
        )
    elif Decimal(budget["spent_hours"]):
        lines.append(
            _("Hours spent: %(spent)s (no estimate recorded).")
            % {"spent": formats.number_format(Decimal(budget["spent_hours"]), 1)}
        )
    sections["budget"] = "\n\n".join(lines) or _("The budget is not tracked for this project.")
    return sections


def rag_label(value: str) -> str:
    from accord.projects.models import Rag

    return str(dict(Rag.choices).get(value, value))


# Used inside f-strings above, where makemessages cannot see them.
_EXTRACT = (
    gettext_noop("Reached"),
    gettext_noop("Slipped"),
    gettext_noop("Upcoming"),
    gettext_noop("Overdue tasks"),
    gettext_noop("Blocked tasks"),
    gettext_noop("Open high risks"),
    gettext_noop("score"),
    gettext_noop("Change requests awaiting a decision"),
)
