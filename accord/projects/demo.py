"""Demo projects: an ERP implementation in Shanghai and a website relaunch in Berlin.

Idempotent: projects are keyed by code, milestones by name, tasks by title within their
project. Dates are relative to the day of the first load, so some work is done, some overdue
and some blocked. Skips a project whose organisation, client or people are missing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accord.audit.services import audit_create

from .models import Milestone, MilestoneStatus, Project, ProjectStatus, Rag, Task, TaskKind, TaskStatus

# Milestones: (name, due in days from today, done, description)
# Tasks: (title, milestone index, status, assignee key, due in days, estimate hours, client visible)
PROJECTS = {
    "erp": {
        "org": "shanghai",
        "client": "huaxin",
        "code": "YQ-ERP-01",
        "name": "ERP 系统实施 (ERP implementation)",
        "manager": "shanghai_manager",
        "team": ["shanghai_member", "shanghai_owner"],
        "contacts": ["zhou", "liu", "sun", "wu"],
        "start": -75,
        "end": 120,
        "budget": Decimal("1850000.00"),
        "currency": "CNY",
        "status": ProjectStatus.ACTIVE,
        "rag": Rag.AMBER,
        "description": (
            "## 项目目标\n\n"
            "为苏州华信精密制造实施统一的 ERP 系统，取代三套进销存软件，覆盖**财务、采购、销售、库存、生产**五大模块。\n\n"  # noqa: E501
            "- 订单到发货全程可追溯\n- 月结时间从 10 天缩短到 3 天\n- 生产排程与 MES 对接\n\n"
            "## 范围外\n\n人力资源与薪酬模块（二期）。"
        ),
        "milestones": [
            ("需求调研", -50, True, "访谈各部门关键用户，输出业务蓝图并由客户签字确认。"),
            ("系统设计", -20, True, "完成方案设计、接口清单和数据迁移策略。"),
            ("开发与配置", 15, False, "系统参数配置、报表开发、MES 与金税接口开发。"),
            ("数据迁移", 45, False, "物料、BOM、客户、供应商、期初库存和未清订单的迁移与核对。"),
            ("用户培训", 70, False, "分模块对关键用户和最终用户进行培训与考核。"),
            ("上线", 100, False, "切换、上线支持和首次月结。"),
        ],
        "tasks": [
            ("召开项目启动会", 0, "done", "shanghai_manager", -70, 4, True),
            ("访谈财务部关键用户", 0, "done", "shanghai_member", -62, 8, False),
            ("访谈采购与仓储部门", 0, "done", "shanghai_member", -60, 8, False),
            ("访谈生产计划部门", 0, "done", "shanghai_member", -57, 8, False),
            ("整理现有三套系统的报表清单", 0, "done", "shanghai_member", -55, 6, False),
            ("编写业务蓝图文档", 0, "done", "shanghai_manager", -52, 24, True),
            ("客户签字确认业务蓝图", 0, "done", "shanghai_manager", -48, 2, True),
            ("确定物料编码规则", 1, "done", "shanghai_member", -35, 6, True),
            ("设计总账科目与成本中心结构", 1, "done", "shanghai_owner", -30, 12, False),
            ("编写 MES 接口规格说明书", 1, "done", "shanghai_member", -25, 16, False),
            ("确定数据迁移策略与切换方案", 1, "done", "shanghai_manager", -22, 8, True),
            ("方案设计评审会", 1, "done", "shanghai_manager", -20, 4, True),
            ("配置组织架构与公司代码", 2, "done", "shanghai_member", -12, 8, False),
            ("配置采购审批流程", 2, "done", "shanghai_member", -8, 10, False),
            ("配置销售订单类型与定价规则", 2, "doing", "shanghai_member", -3, 12, False),
            ("开发应收账龄分析报表", 2, "doing", "shanghai_owner", 5, 16, False),
            ("开发 MES 工单接口", 2, "blocked", "shanghai_member", -2, 40, False),
            ("申请金税接口测试账号", 2, "blocked", "shanghai_manager", -6, 2, True),
            ("配置库存批次与序列号管理", 2, "todo", "shanghai_member", 10, 12, False),
            ("开发生产排程看板", 2, "todo", "shanghai_owner", 14, 24, False),
            ("集成测试：订单到收款", 2, "todo", "shanghai_manager", 15, 16, True),
            ("导出旧系统物料主数据", 3, "doing", "shanghai_member", -4, 6, False),
            ("清洗 BOM 数据（约 12000 条）", 3, "todo", "shanghai_member", 25, 32, True),
            ("客户与供应商主数据核对", 3, "todo", "shanghai_member", 30, 12, True),
            ("期初库存盘点与导入", 3, "todo", "shanghai_manager", 40, 16, True),
            ("未清采购订单与销售订单迁移", 3, "todo", "shanghai_member", 43, 10, False),
            ("数据迁移第一轮演练", 3, "todo", "shanghai_manager", 45, 8, True),
            ("编写各模块用户操作手册", 4, "todo", "shanghai_member", 55, 30, True),
            ("关键用户培训：财务模块", 4, "todo", "shanghai_owner", 62, 8, True),
            ("关键用户培训：供应链模块", 4, "todo", "shanghai_member", 65, 8, True),
            ("最终用户培训与考核", 4, "todo", "shanghai_member", 70, 16, True),
            ("制定上线切换计划", 5, "todo", "shanghai_manager", 85, 6, True),
            ("上线前准备度评估", 5, "todo", "shanghai_manager", 95, 4, True),
            ("正式切换上线", 5, "todo", "shanghai_manager", 100, 16, True),
            ("上线后首次月结支持", 5, "todo", "shanghai_owner", 115, 24, False),
        ],
    },
    "web": {
        "org": "berlin",
        "client": "nordlicht",
        "code": "KD-WEB-01",
        "name": "Website relaunch",
        "manager": "berlin_manager",
        "team": ["berlin_member", "berlin_owner"],
        "contacts": ["vogel", "brandt", "hoffmann"],
        "start": -60,
        "end": 90,
        "budget": Decimal("240000.00"),
        "currency": "EUR",
        "status": ProjectStatus.ACTIVE,
        "rag": Rag.GREEN,
        "description": (
            "## Goal\n\nRelaunch nordlicht-retail.example on a headless shop before the spring collection.\n\n"  # noqa: E501
            "- Double mobile conversion\n- Page load below 2 s\n- Keep SEO rankings through the migration"
        ),
        "milestones": [
            ("Discovery", -40, True, "Stakeholder interviews, analytics review, goals signed off."),
            ("Design", -10, True, "Design system, key templates, clickable prototype approved."),
            ("Build", 25, False, "Headless shop, CMS, integrations with ERP and payment."),
            ("Content migration", 55, False, "Products, stories and store pages moved; redirects in place."),
            ("Launch", 85, False, "Go-live, monitoring and hypercare."),
        ],
        "tasks": [
            ("Kick-off workshop with Nordlicht", 0, "done", "berlin_manager", -55, 6, True),
            ("Analytics and SEO audit", 0, "done", "berlin_member", -48, 12, True),
            ("Interview store managers", 0, "done", "berlin_member", -45, 8, False),
            ("Sign off goals and KPIs", 0, "done", "berlin_manager", -40, 2, True),
            ("Mood boards and visual direction", 1, "done", "berlin_member", -30, 16, True),
            ("Design system: colours, type, components", 1, "done", "berlin_member", -20, 24, False),
            ("Product page and checkout designs", 1, "done", "berlin_owner", -14, 20, True),
            ("Usability test of the prototype", 1, "done", "berlin_member", -11, 10, True),
            ("Set up headless shop and CI", 2, "done", "berlin_owner", -5, 12, False),
            ("Build product listing and filters", 2, "doing", "berlin_member", 6, 24, False),
            ("Build checkout with payment provider", 2, "doing", "berlin_owner", 12, 32, False),
            ("ERP stock feed integration", 2, "blocked", "berlin_owner", -3, 20, True),
            ("Store finder with opening hours", 2, "todo", "berlin_member", 18, 12, False),
            ("Accessibility review (WCAG 2.1 AA)", 2, "todo", "berlin_member", 24, 8, True),
            ("Performance budget and Lighthouse checks", 2, "todo", "berlin_owner", 25, 6, False),
            ("Content inventory and redirect map", 3, "doing", "berlin_member", -1, 10, True),
            ("Migrate product stories", 3, "todo", "berlin_member", 45, 16, True),
            ("Migrate store pages", 3, "todo", "berlin_member", 50, 8, False),
            ("Editor training for Nordlicht marketing", 3, "todo", "berlin_manager", 55, 4, True),
            ("Launch checklist and go/no-go meeting", 4, "todo", "berlin_manager", 80, 3, True),
            ("Go-live and DNS switch", 4, "todo", "berlin_owner", 85, 6, True),
            ("Two weeks of hypercare", 4, "todo", "berlin_manager", 99, 20, False),
        ],
    },
}


def load(ctx) -> None:
    today = timezone.localdate()
    for key, spec in PROJECTS.items():
        org = ctx.orgs.get(spec["org"])
        client = ctx.clients.get(spec["client"])
        manager = ctx.users.get(spec["manager"])
        if org is None or client is None or manager is None:
            ctx.log.append(f"project {spec['code']} skipped: its organisation, client or manager is missing")
            continue
        project = Project.objects.filter(organization=org, code=spec["code"]).first()
        if project is None:
            project = Project.objects.create(
                organization=org,
                client=client,
                code=spec["code"],
                name=spec["name"],
                description=spec["description"],
                manager=manager,
                start_date=today + dt.timedelta(days=spec["start"]),
                end_date=today + dt.timedelta(days=spec["end"]),
                budget_amount=spec["budget"],
                currency=spec["currency"],
                status=spec["status"],
                rag=spec["rag"],
                industry=getattr(client, "industry", "") or "",
            )
            audit_create(manager, project)
            ctx.log.append(f"project {project.code}")
            team = [ctx.users[k] for k in spec["team"] if k in ctx.users]
            project.team.set([manager, *team])
            contacts = [
                ctx.contacts[f"{spec['client']}.{k}"]
                for k in spec["contacts"]
                if f"{spec['client']}.{k}" in ctx.contacts
            ]
            project.contacts.set(contacts)
        ctx.projects[key] = project

        milestones = []
        for name, due, done, description in spec["milestones"]:
            due_date = today + dt.timedelta(days=due)
            milestone = Milestone.objects.filter(organization=org, project=project, name=name).first()
            if milestone is None:
                # A finished phase slipped a few days against its baseline; the build phase is late.
                baseline = due_date - dt.timedelta(days=3 if done else (5 if len(milestones) == 2 else 0))
                milestone = Milestone.objects.create(
                    organization=org,
                    project=project,
                    name=name,
                    description=description,
                    due_date=due_date,
                    baseline_due_date=baseline,
                    status=MilestoneStatus.DONE if done else MilestoneStatus.PLANNED,
                    completed_on=due_date if done else None,
                    client_visible=True,
                )
                audit_create(manager, milestone)
            milestones.append(milestone)

        existing = set(Task.objects.filter(organization=org, project=project).values_list("title", flat=True))
        positions: dict[str, int] = {}
        for title, ms_index, status, assignee_key, due, hours, visible in spec["tasks"]:
            position = positions.get(status, 0)
            positions[status] = position + 1
            if title in existing:
                continue
            due_date = today + dt.timedelta(days=due)
            task = Task.objects.create(
                organization=org,
                project=project,
                milestone=milestones[ms_index],
                title=title,
                status=status,
                assignee=ctx.users.get(assignee_key),
                due_date=due_date,
                estimate_hours=Decimal(hours),
                spent_hours=Decimal(hours) if status == TaskStatus.DONE else Decimal(0),
                done_on=min(due_date, today) if status == TaskStatus.DONE else None,
                client_visible=visible,
                position=position,
                kind=TaskKind.TASK,
            )
            audit_create(manager, task)

        # The client's demo interactions belong to this project.
        from accord.crm.models import Interaction

        Interaction.objects.filter(
            organization=org, client=client, project__isnull=True, source="demo"
        ).update(project=project)
