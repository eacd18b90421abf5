"""Demo lessons learned (Chinese and English), a retrospective and today's health snapshots.

Idempotent: lessons are keyed by organisation and title, retrospectives by project and title.
Lessons are organisation-wide and need no project; the retrospective needs the projects' demo
data and is skipped without it.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accord.tenancy.access import membership_for
from accord.tenancy.models import Membership, Role

from . import services
from .models import Lesson, Retrospective

LESSONS = {
    "zh-hans": [
        {
            "title": "需求变更必须书面确认",
            "description": "客户在周会上口头提出报表格式变更，团队直接修改，导致两周返工和验收争议。",
            "recommendation": "所有变更都走变更请求流程：评估工期和成本影响，由客户在客户门户中批准后再实施。",  # noqa: E501
            "industry": "manufacturing",
            "category": "requirements",
            "phase": "execution",
            "tags": "变更, 返工, 验收",
        },
        {
            "title": "关键用户要提前锁定",
            "description": "用户验收测试安排在月结期间，财务关键用户无法参加，上线推迟十天。",
            "recommendation": "项目启动时就和客户确认关键用户的时间，避开月结和春节前后。",
            "industry": "",
            "category": "planning",
            "phase": "planning",
            "tags": "UAT, 关键用户, 排期",
        },
        {
            "title": "企业微信群要有固定节奏",
            "description": "项目群消息太多，重要决定被淹没，客户抱怨找不到结论。",
            "recommendation": "每周五固定发一条进展摘要，决定另记入会议纪要的决定清单。",
            "industry": "",
            "category": "communication",
            "phase": "execution",
            "tags": "企业微信, 沟通计划",
        },
    ],
    "en": [
        {
            "title": "Freeze content before the design sprint",
            "description": "Product copy kept changing during the design sprint; two screens were redesigned twice.",  # noqa: E501
            "recommendation": "Agree a content freeze date in the communication plan and track it as a milestone.",  # noqa: E501
            "industry": "retail",
            "category": "requirements",
            "phase": "planning",
            "tags": "content, design, scope",
        },
        {
            "title": "Report bad news early",
            "description": "A two-week delay was reported only at the milestone; the client's NPS dropped to 5.",  # noqa: E501
            "recommendation": "Raise a schedule risk as soon as a milestone is in doubt and say so in the next status report.",  # noqa: E501
            "industry": "",
            "category": "client",
            "phase": "monitoring",
            "tags": "status report, risk, trust",
        },
    ],
}


def _org_language(org) -> str:
    return "zh-hans" if (org.default_language or "").startswith("zh") else "en"


def load(ctx) -> None:
    for org in ctx.orgs.values():
        # The organisation's first owner records its lessons.
        owner = (
            Membership.objects.filter(organization=org, role=Role.OWNER, is_active=True)
            .select_related("user", "organization")
            .order_by("id")
            .first()
        )
        for data in LESSONS[_org_language(org)]:
            if owner is None or Lesson.objects.filter(organization=org, title=data["title"]).exists():
                continue
            services.lesson_create(actor=owner, **data)
    if not ctx.projects:
        return
    done_orgs: set[int] = set()
    for project in ctx.projects.values():
        if project.organization_id in done_orgs:
            continue
        done_orgs.add(project.organization_id)
        zh = _org_language(project.organization) == "zh-hans"
        title = "第一阶段回顾" if zh else "Phase 1 retrospective"
        if Retrospective.objects.filter(
            organization_id=project.organization_id, project=project, title=title
        ).exists():
            continue
        actor = membership_for(project.manager, project.organization_id)
        retro = services.retrospective_create(
            actor=actor,
            project=project,
            title=title,
            held_on=timezone.localdate(),
            went_well="- 客户响应快\n- 周报准时"
            if zh
            else "- Fast answers from the client\n- Reports on time",
            to_improve="- 测试数据到得晚\n- 变更口头提出"
            if zh
            else "- Test data arrived late\n- Changes agreed by phone",
        )
        for text in (
            ["第一周内拿到测试数据", "变更一律走变更请求"]
            if zh
            else ["Get test data in week 1", "Every change through a change request"]
        ):  # noqa: E501
            services.retro_action_add(
                actor=actor,
                retro=retro,
                title=text,
                owner=project.manager,
                due_date=timezone.localdate() + dt.timedelta(days=14),
            )
    for client in {p.client for p in ctx.projects.values()}:
        services.health_snapshot_take(client=client)
