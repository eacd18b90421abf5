"""Risks as an importable and exportable kind (the risk register's model, its rules kept:
title, category, probability and impact 1–5 with score = probability × impact, a team owner,
and a first entry in the score history for each risk raised)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.risks.models import Risk, RiskScoreChange, risk_score

from .kinds.base import KindSpec
from .kinds.values import BY_PROJECT_TITLE, Column


class RiskSpec(KindSpec):
    key = "risks"
    label = gettext_lazy("Risks")
    model = Risk
    needs_ids = True
    columns = (
        Column("project", ("project code", "项目", "项目编号", "项目代码"), kind="ref", required=True),
        Column("title", ("risk", "name", "风险", "风险名称", "标题"), required=True),
        Column("description", ("details", "描述", "说明")),
        Column("category", ("类别", "分类", "风险类别"), kind="choice"),
        Column("probability", ("likelihood", "可能性", "概率"), kind="ref"),
        Column("impact", ("影响", "影响程度"), kind="ref"),
        Column("owner", ("负责人", "责任人"), kind="ref"),
        Column("triggers", ("early signs", "触发条件", "预警信号")),
        Column("mitigation", ("应对措施", "缓解措施")),
        Column("status", ("状态",), kind="choice"),
        Column("next_review_on", ("next review", "review date", "下次复查", "复查日期"), kind="date"),
        Column("client_visible", ("visible to the client", "客户可见"), kind="bool"),
    )
    export_fields = (
        ("project", "project__code"),
        ("title", "title"),
        ("description", "description"),
        ("category", "category"),
        ("probability", "probability"),
        ("impact", "impact"),
        ("owner", "owner__email"),
        ("triggers", "triggers"),
        ("mitigation", "mitigation"),
        ("status", "status"),
        ("next_review_on", "next_review_on"),
        ("client_visible", "client_visible"),
    )

    def prepare(self, batch):
        batch.projects_by_code()
        batch.team_by_email()
        batch.cache["risks"] = batch.titles_by_project(Risk)

    def check_row(self, result, batch):
        values = result.values
        refs = {}
        code = values.pop("project", "")
        project_id = batch.writable_project(
            result,
            code,
            _("You may not add risks to project “%(code)s”: you are not on its team."),
        )
        if project_id is not None:
            refs["project_id"] = project_id
        for name in ("probability", "impact"):
            raw = values.pop(name, "")
            if not raw:
                continue
            try:
                number = int(float(raw))
            except ValueError:
                number = 0
            if not 1 <= number <= 5 or str(raw).strip() not in (str(number), f"{number}.0"):
                result.problems.append(
                    _("%(field)s: “%(value)s” must be a whole number from 1 to 5.")
                    % {"field": self.column_labels()[name], "value": raw}  # only on a problem
                )
            else:
                values[name] = number
        email = values.pop("owner", "").lower()
        if email:
            user_id = batch.team_by_email().get(email)
            if user_id is None:
                result.problems.append(_("“%(email)s” is not a member of your team.") % {"email": email})
            else:
                refs["owner_id"] = user_id
        values["_refs"] = refs
        keys = []
        if project_id and values.get("title"):
            keys.append((BY_PROJECT_TITLE, f"{project_id}:{values['title'].lower()}"))
        batch.check_file_duplicate(result, keys)
        for _label, key in keys:
            result.duplicate_of = batch.cache["risks"].get(key)
        if result.ok:
            batch.remember(result, keys)

    def build(self, result, batch):
        row = super().build(result, batch)
        row["created_by_id"] = batch.member.user_id
        for name in ("probability", "impact"):
            row.setdefault(name, Risk._meta.get_field(name).default)
        row["score"] = risk_score(row["probability"], row["impact"])
        return row

    def apply(self, obj, result):
        changed = super().apply(obj, result)
        if {"probability", "impact"} & set(changed):
            obj.rescore()
            changed.append("score")
        return changed

    def after_create(self, rows, ids, batch):
        RiskScoreChange.objects.bulk_create(
            [
                RiskScoreChange(
                    organization_id=batch.org_id,
                    risk_id=pk,
                    changed_by_id=batch.member.user_id,
                    new_probability=row["probability"],
                    new_impact=row["impact"],
                    new_score=row["score"],
                    note="",  # the first score: the risk page names it "Raised" in its reader's language
                )
                for row, pk in zip(rows, ids, strict=True)
            ]
        )

    def export_queryset(self, member, params):
        from .selectors import risk_export_queryset

        return risk_export_queryset(member, params)


def risk_spec() -> RiskSpec:
    return _SPEC


_SPEC = RiskSpec()
