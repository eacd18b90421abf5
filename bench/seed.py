"""Bulk-load one large organisation for the benchmark, and report the load rate.

Defaults: 2,000 clients, 20,000 contacts, 1,000,000 interactions, 5,000 projects and
100,000 tasks, with texts in Chinese and English. ``scale`` multiplies every count.
Runs inside a configured Django (see bench/run.py)."""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

SIZES = {"clients": 2_000, "contacts": 20_000, "interactions": 1_000_000, "projects": 5_000, "tasks": 100_000}
BATCH = 5_000
BENCH_EMAIL = "bench@accord.example"
BENCH_PASSWORD = "bench-password-2026"
# Words that the search measurement looks for; each appears in a small share of rows.
SEARCH_ZH = "验收测试"
SEARCH_EN = "warehouse"

_ZH = [
    "需求调研",
    "系统设计",
    "数据迁移",
    "用户培训",
    "上线准备",
    "接口联调",
    "报表开发",
    "权限配置",
    "性能优化",
    "客户反馈",
    "周例会",
    "进度汇报",
    "风险评估",
    "变更评审",
    "合同付款",
    "现场支持",
    "库存管理",
    "生产计划",
]
_EN = [
    "kickoff",
    "design review",
    "budget",
    "timeline",
    "launch",
    "content",
    "migration",
    "training",
    "invoice",
    "feedback",
    "status call",
    "risk",
    "change request",
    "sign-off",
    "analytics",
    "checkout",
    "catalogue",
]
_SURNAMES = [
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "赵",
    "黄",
    "周",
    "吴",
    "Schmidt",
    "Müller",
    "Smith",
    "Brown",
]
_GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "Anna", "Lukas", "Emma", "Noah", "Mia"]


def _text(rng: random.Random, i: int) -> str:
    words = rng.sample(_ZH, 2) + rng.sample(_EN, 2)
    if i % 997 == 0:
        words.append(SEARCH_ZH)
    if i % 1009 == 0:
        words.append(SEARCH_EN)
    rng.shuffle(words)
    return " ".join(words)


def seed(scale: float = 1.0, log=print) -> dict:
    from accord.crm.models import Client, Contact, Interaction
    from accord.projects.models import Project, Task, TaskStatus
    from accord.tenancy.models import Membership, Organization, Role, User

    sizes = {key: max(2, int(value * scale)) for key, value in SIZES.items()}
    rng = random.Random(20261126)
    rates = {}
    started = time.perf_counter()

    with transaction.atomic():
        org, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench 基准测试有限公司"})
        user = User.objects.filter(email=BENCH_EMAIL).first() or User.objects.create_user(
            BENCH_EMAIL, BENCH_PASSWORD, full_name="Bench Manager"
        )
        Membership.objects.get_or_create(organization=org, user=user, defaults={"role": Role.OWNER})
    if Client.objects.filter(organization=org).exists():
        log("bench organisation already seeded")
        return {"sizes": sizes, "rates": {}, "organization_id": org.pk, "user_id": user.pk}

    def timed(name, count, fn):
        t0 = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - t0
        rates[name] = {"rows": count, "seconds": round(elapsed, 2), "rows_per_s": round(count / elapsed)}
        log(f"  {name:<13} {count:>9,} rows in {elapsed:6.1f} s  ({count / elapsed:,.0f} rows/s)")

    now = timezone.now()
    today = timezone.localdate()

    def clients():
        Client.objects.bulk_create(
            [
                Client(
                    organization=org,
                    name=f"{rng.choice(['华信', '远航', 'Nordlicht', 'Kranich', '东方'])}客户 {i} Client {i}",
                    currency=rng.choice(["CNY", "EUR", "USD"]),
                    timezone="Asia/Shanghai",
                    industry="manufacturing",
                    tags="bench",
                )
                for i in range(sizes["clients"])
            ],
            batch_size=BATCH,
        )

    timed("clients", sizes["clients"], clients)
    client_ids = list(Client.objects.filter(organization=org).values_list("pk", flat=True))

    def contacts():
        batch = []
        for i in range(sizes["contacts"]):
            batch.append(
                Contact(
                    organization=org,
                    client_id=client_ids[i % len(client_ids)],
                    first_name=rng.choice(_GIVEN),
                    last_name=rng.choice(_SURNAMES),
                    name_local=rng.choice(_SURNAMES) + rng.choice(_GIVEN),
                    email=f"contact{i}@bench.example",
                    phone=f"+86 138 {i:08d}",
                )
            )
            if len(batch) >= BATCH:
                Contact.objects.bulk_create(batch)
                batch = []
        Contact.objects.bulk_create(batch)

    timed("contacts", sizes["contacts"], contacts)

    def projects():
        Project.objects.bulk_create(
            [
                Project(
                    organization=org,
                    client_id=client_ids[i % len(client_ids)],
                    code=f"B-{i:05d}",
                    name=f"项目 {i} Project {i}",
                    manager=user,
                    start_date=today - dt.timedelta(days=90),
                    end_date=today + dt.timedelta(days=90 + i % 60),
                    budget_amount=Decimal("250000.00"),
                    currency="CNY",
                )
                for i in range(sizes["projects"])
            ],
            batch_size=BATCH,
        )

    timed("projects", sizes["projects"], projects)
    project_ids = list(Project.objects.filter(organization=org).values_list("pk", flat=True))
    # The benchmark user is on the team of every project (as a project manager would be on theirs).
    through = Project.team.through
    through.objects.bulk_create(
        [through(project_id=pid, user_id=user.pk) for pid in project_ids], batch_size=BATCH
    )

    statuses = [TaskStatus.TODO, TaskStatus.DOING, TaskStatus.BLOCKED, TaskStatus.DONE]

    def tasks():
        batch = []
        for i in range(sizes["tasks"]):
            status = statuses[i % 4]
            batch.append(
                Task(
                    organization=org,
                    project_id=project_ids[i % len(project_ids)],
                    title=_text(rng, i),
                    status=status,
                    assignee=user if i % 7 == 0 else None,
                    due_date=today + dt.timedelta(days=(i % 40) - 20),
                    position=i,
                    done_on=today if status == TaskStatus.DONE else None,
                    estimate_hours=Decimal("4.00"),
                )
            )
            if len(batch) >= BATCH:
                Task.objects.bulk_create(batch)
                batch = []
        Task.objects.bulk_create(batch)

    timed("tasks", sizes["tasks"], tasks)

    def interactions():
        batch = []
        kinds = ["email", "call", "meeting", "im", "visit", "note"]
        for i in range(sizes["interactions"]):
            batch.append(
                Interaction(
                    organization=org,
                    client_id=client_ids[i % len(client_ids)],
                    project_id=project_ids[i % len(project_ids)] if i % 3 == 0 else None,
                    kind=kinds[i % 6],
                    occurred_at=now - dt.timedelta(minutes=i),
                    summary=_text(rng, i),
                    body="",
                    created_by=user,
                )
            )
            if len(batch) >= BATCH:
                Interaction.objects.bulk_create(batch)
                batch = []
        Interaction.objects.bulk_create(batch)

    timed("interactions", sizes["interactions"], interactions)
    if connection.vendor == "postgresql" or connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total = sum(r["rows"] for r in rates.values())
    elapsed = time.perf_counter() - started
    log(f"  seeded {total:,} rows in {elapsed:.1f} s ({total / elapsed:,.0f} rows/s)")
    return {"sizes": sizes, "rates": rates, "organization_id": org.pk, "user_id": user.pk}
