"""Project tasks as an importable kind."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.projects.models import Milestone, Task

from .base import KindSpec
from .values import BY_PROJECT_TITLE, Column


class TaskSpec(KindSpec):
    key = "tasks"
    label = gettext_lazy("Tasks")
    model = Task
    columns = (
        Column("project", ("project code", "项目", "项目编号", "项目代码"), kind="ref", required=True),
        Column("title", ("task", "task name", "name", "subject", "标题", "任务", "任务名称"), required=True),
        Column("description", ("details", "notes", "描述", "说明", "详情")),
        Column("status", ("状态",), kind="choice"),
        Column("kind", ("type", "类型"), kind="choice"),
        Column("assignee", ("assigned to", "owner", "负责人", "执行人", "指派给"), kind="ref"),
        Column("due_date", ("due", "due date", "deadline", "截止日期", "到期日", "截止时间"), kind="date"),
        Column("estimate_hours", ("estimate", "estimated hours", "预估工时", "估计工时"), kind="decimal"),
        Column("spent_hours", ("spent", "actual hours", "实际工时", "已用工时"), kind="decimal"),
        Column("milestone", ("里程碑",), kind="ref"),
        Column("client_visible", ("visible to the client", "client visible", "客户可见"), kind="bool"),
    )
    export_fields = (
        ("project", "project__code"),
        ("title", "title"),
        ("description", "description"),
        ("status", "status"),
        ("kind", "kind"),
        ("assignee", "assignee__email"),
        ("due_date", "due_date"),
        ("estimate_hours", "estimate_hours"),
        ("spent_hours", "spent_hours"),
        ("milestone", "milestone__name"),
        ("client_visible", "client_visible"),
    )

    def prepare(self, batch):
        projects = batch.projects_by_code()
        batch.team_by_email()
        ids = [p[0] for p in projects.values()]
        batch.cache["milestones"] = {
            (project_id, name.strip().lower()): pk
            for pk, project_id, name in Milestone.objects.filter(
                organization_id=batch.org_id, project_id__in=ids
            ).values_list("id", "project_id", "name")
        }
        batch.cache["tasks"] = batch.titles_by_project(Task)

    def check_row(self, result, batch):
        values = result.values
        refs = {}
        code = values.pop("project", "")
        project_id = batch.writable_project(
            result,
            code,
            _("You may not add tasks to project “%(code)s”: you are not on its team."),
        )
        if project_id is not None:
            refs["project_id"] = project_id
        email = values.pop("assignee", "").lower()
        if email:
            user_id = batch.team_by_email().get(email)
            if user_id is None:
                result.problems.append(_("“%(email)s” is not a member of your team.") % {"email": email})
            else:
                refs["assignee_id"] = user_id
        milestone = values.pop("milestone", "")
        if milestone and project_id:
            milestone_id = batch.cache["milestones"].get((project_id, milestone.lower()))
            if milestone_id is None:
                result.problems.append(
                    _("Project “%(code)s” has no milestone “%(name)s”.") % {"code": code, "name": milestone}
                )
            else:
                refs["milestone_id"] = milestone_id
        if values.get("status") == "done" and "done_on" not in values:
            values["done_on"] = timezone.localdate()
        values["_refs"] = refs
        keys = []
        if project_id and values.get("title"):
            keys.append((BY_PROJECT_TITLE, f"{project_id}:{values['title'].lower()}"))
        batch.check_file_duplicate(result, keys)
        for _label, key in keys:
            result.duplicate_of = batch.cache["tasks"].get(key)
        if result.ok:
            batch.remember(result, keys)

    def export_queryset(self, member, params):
        from ..selectors import task_export_queryset

        return task_export_queryset(member, params)
