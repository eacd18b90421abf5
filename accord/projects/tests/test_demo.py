from django.utils import timezone

from accord.core.demo import DemoContext
from accord.projects import demo
from accord.projects.models import Milestone, Project, Task, TaskStatus


def load_people_and_clients(ctx):
    from accord.crm import demo as crm_demo
    from accord.tenancy import demo as tenancy_demo

    tenancy_demo.load(ctx)
    crm_demo.load(ctx)


def test_demo_projects_load_idempotently(db):
    ctx = DemoContext()
    load_people_and_clients(ctx)
    demo.load(ctx)
    counts = (Project.objects.count(), Milestone.objects.count(), Task.objects.count())
    ctx2 = DemoContext()
    load_people_and_clients(ctx2)
    demo.load(ctx2)
    assert (Project.objects.count(), Milestone.objects.count(), Task.objects.count()) == counts

    erp = ctx.projects["erp"]
    assert erp.code == "YQ-ERP-01" and erp.currency == "CNY"
    assert list(erp.milestones.values_list("name", flat=True)) == [
        "需求调研",
        "系统设计",
        "开发与配置",
        "数据迁移",
        "用户培训",
        "上线",
    ]
    tasks = erp.tasks.all()
    assert 30 <= tasks.count() <= 40
    today = timezone.localdate()
    assert tasks.filter(status=TaskStatus.DONE).exists()
    assert tasks.filter(status=TaskStatus.BLOCKED).exists()
    assert tasks.exclude(status=TaskStatus.DONE).filter(due_date__lt=today).exists()
    assert erp.team.count() >= 2 and erp.contacts.count() >= 2
    web = ctx.projects["web"]
    assert web.currency == "EUR" and web.milestones.count() == 5
    assert web.organization != erp.organization


def test_demo_skips_without_organisations(db):
    ctx = DemoContext()
    demo.load(ctx)
    assert not Project.objects.exists()
    assert ctx.projects == {}
