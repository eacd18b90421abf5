"""Demo needs for the demo projects (idempotent)."""

from accord.needs.models import Need, NeedStatus
from accord.needs.services import need_create

NEEDS = [
    ("Single sign-on with the company directory", "与公司目录服务单点登录", "must", NeedStatus.ACCEPTED),
    ("Monthly management report", "月度管理报表", "must", NeedStatus.DELIVERED),
    ("Export any list to Excel", "任意列表可导出到 Excel", "should", NeedStatus.IN_PROGRESS),
    ("Mobile approvals", "移动端审批", "could", NeedStatus.PROPOSED),
]

PATH = {
    NeedStatus.PROPOSED: [],
    NeedStatus.IN_PROGRESS: [NeedStatus.AGREED, NeedStatus.IN_PROGRESS],
    NeedStatus.DELIVERED: [NeedStatus.AGREED, NeedStatus.IN_PROGRESS, NeedStatus.DELIVERED],
    NeedStatus.ACCEPTED: [
        NeedStatus.AGREED,
        NeedStatus.IN_PROGRESS,
        NeedStatus.DELIVERED,
        NeedStatus.ACCEPTED,
    ],
}


def load(ctx) -> None:
    from accord.needs.services import need_set_status
    from accord.tenancy.access import membership_for

    for project in list(ctx.projects.values())[:3]:
        zh = (project.organization.default_language or "").startswith("zh")
        contact = project.contacts.first()
        actor = membership_for(project.manager, project.organization_id)
        for en, cn, priority, status in NEEDS:
            title = cn if zh else en
            if Need.objects.filter(project=project, title=title).exists():
                continue
            need = need_create(
                actor=actor, project=project, title=title, priority=priority, source_contact=contact
            )
            for step in PATH[status]:
                need = need_set_status(actor=actor, need=need, status=step)
