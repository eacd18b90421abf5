"""Demo risks with contingency plans for the demo projects (idempotent)."""

import datetime as dt

from django.utils import timezone

from accord.risks.models import Risk
from accord.risks.services import contingency_action_create, risk_create
from accord.tenancy.access import membership_for

RISKS = [
    # (en, zh, category, p, i, mitigation en, mitigation zh, [(action en, action zh, days)])
    (
        "Key users unavailable for acceptance testing",
        "关键用户无法参加验收测试",
        "client_side",
        4,
        4,
        "Book test days with the sponsor now.",
        "现在就与项目发起人预约测试日期。",
        [
            ("Agree a test calendar with the sponsor", "与发起人确认测试日程", 5),
            ("Line up stand-in testers", "安排替补测试人员", 10),
        ],
    ),
    (
        "Legacy data quality worse than expected",
        "历史数据质量比预期差",
        "technical",
        3,
        5,
        "Profile the data early and agree cleansing owners.",
        "尽早分析数据质量，明确清理负责人。",
        [("Run a trial migration", "进行一次试迁移", 7)],
    ),
    (
        "Scope creep from new department requests",
        "新部门提出需求导致范围蔓延",
        "requirement_change",
        3,
        3,
        "Route every addition through a change request.",
        "所有新增需求一律走变更请求。",
        [],
    ),
]


def _zh(project) -> bool:
    return (project.organization.default_language or "").startswith("zh")


def load(ctx) -> None:
    today = timezone.localdate()
    for project in list(ctx.projects.values())[:3]:
        owner = project.manager
        actor = membership_for(owner, project.organization_id)
        zh = _zh(project)
        for n, (en, cn, category, p, i, mit_en, mit_zh, actions) in enumerate(RISKS):
            title = cn if zh else en
            if Risk.objects.filter(project=project, title=title).exists():
                continue
            risk = risk_create(
                actor=actor,
                project=project,
                title=title,
                category=category,
                probability=p,
                impact=i,
                owner=owner,
                mitigation=mit_zh if zh else mit_en,
                next_review_on=today + dt.timedelta(days=n * 7 - 3),
                client_visible=n == 0,
            )
            for a_en, a_zh, days in actions:
                contingency_action_create(
                    actor=actor,
                    risk=risk,
                    description=a_zh if zh else a_en,
                    owner=owner,
                    due_date=today + dt.timedelta(days=days),
                )
