"""Bulk-load one large organisation for the benchmark, and report the load rate.

Defaults: 2,000 clients, 20,000 contacts, 1,000,000 interactions, 5,000 projects and
100,000 tasks, with texts in Chinese and English. ``scale`` multiplies every count.
Rows go in through the driver's fastest path (COPY on PostgreSQL, prepared ``executemany``
in one transaction on SQLite), with every column's value prepared by its model field, so
triggers and indexes are maintained as they would be for rows saved by Accord.

    python -m bench.seed --scale 0.1          # into the database configured by the environment
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

SIZES = {
    "clients": 2_000,
    "contacts": 100_000,
    "interactions": 1_000_000,
    "projects": 5_000,
    "tasks": 100_000,
}
CHUNK = 20_000
TEAM = 50  # users in the organisation, the benchmark user included
BENCH_EMAIL = "bench@accord.example"
BENCH_PASSWORD = "bench-password-2026"
# Words that the search measurement looks for; each appears in about 0.1 % of the texts.
SEARCH_ZH = "验收测试"
SEARCH_EN = "warehouse"
# A two-character Chinese word: too short for trigrams, measured to show the slower path.
SEARCH_ZH_SHORT = "验收"
# In the oldest interaction only: without an index, search reads the whole timeline to find it.
SEARCH_RARE = "年度框架协议"

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
    *["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"],
    *["Schmidt", "Müller", "Smith", "Brown"],
]
_GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "Anna", "Lukas", "Emma", "Noah", "Mia"]


def _texts(rng: random.Random, n: int = 4_096) -> list[str]:
    """A pool of summaries, each two Chinese and two English phrases in random order."""
    pool = []
    for _ in range(n):
        words = rng.sample(_ZH, 2) + rng.sample(_EN, 2)
        rng.shuffle(words)
        pool.append(" ".join(words))
    return pool


def _text(pool: list[str], i: int) -> str:
    text = pool[(i * 7_919) % len(pool)]
    if i % 997 == 0:
        head, _, tail = text.partition(" ")
        text = f"{head} {SEARCH_ZH} {tail}"
    if i % 1_009 == 0:
        text = f"{text} {SEARCH_EN}"
    return text


class _Loader:
    """Inserts rows of one table given only the columns that vary; every other column takes
    the value a model instance built from ``constants`` would save."""

    def __init__(self, model, varying: list[str], **constants):
        now = timezone.now()
        template = model(**constants)
        for name in ("created_at", "updated_at"):
            if hasattr(template, name):
                setattr(template, name, now)
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.table = model._meta.db_table
        self.columns = [f.column for f in fields]
        self.base = [f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields]
        by_attname = {f.attname: i for i, f in enumerate(fields)}
        self.slots = [by_attname[name] for name in varying]
        self.preps = [_prep(fields[slot]) for slot in self.slots]

    def rows(self, values: Iterable[tuple]) -> Iterator[list]:
        slots_preps = list(zip(self.slots, self.preps, strict=True))
        for row in values:
            out = list(self.base)
            for (slot, prep), value in zip(slots_preps, row, strict=True):
                out[slot] = value if prep is None or value is None else prep(value, connection)
            yield out

    def load(self, values: Iterable[tuple]) -> None:
        _insert(self.table, self.columns, self.rows(values))


def _prep(field):
    """How a varying value of ``field`` is converted for the driver (None: sent as it is)."""
    kind = field.get_internal_type()
    if kind not in {"DateField", "DateTimeField", "DecimalField"}:
        return None
    if connection.vendor == "postgresql" and kind != "DecimalField":
        return None  # psycopg sends dates and aware datetimes as they are
    if kind == "DateTimeField":
        # What Django stores on SQLite: naive UTC in ISO format (the field's own conversion
        # costs more than the insert).
        return lambda value, _connection: str(value.astimezone(dt.UTC).replace(tzinfo=None))
    if kind == "DateField":
        return lambda value, _connection: value.isoformat()
    return field.get_db_prep_save


def _insert(table: str, columns: list[str], rows: Iterable) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                cursor.executemany(sql, chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)


@contextlib.contextmanager
def _search_index_rebuilt_after(table: str):
    """Load ``table`` without its substring search index, then build the index once over all
    rows: far faster than maintaining it row by row (a per-row FTS5 trigger flushes a segment
    for every statement; GIN trigram inserts touch dozens of posting lists). The index ends up
    exactly as the migration defines it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
                [table, "%gin_trgm_ops%"],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
            yield
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            return
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
        )
        triggers = cursor.fetchall()
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE %s",
            [f"CREATE VIRTUAL TABLE%content='{table}'%"],
        )
        fts_tables = [row[0] for row in cursor.fetchall()]
        for name, _sql in triggers:
            cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
        yield
        for _name, sql in triggers:
            cursor.execute(sql)
        for name in fts_tables:
            cursor.execute(f"INSERT INTO {name} ({name}) VALUES ('rebuild')")


def seed(scale: float = 1.0, log=print) -> dict:
    from accord.crm.models import Client, Contact, Interaction
    from accord.projects.models import Milestone, Project, Task, TaskStatus
    from accord.tenancy.models import Membership, Organization, Role, User

    sizes = {key: max(2, int(value * scale)) for key, value in SIZES.items()}
    rng = random.Random(20261126)
    texts = _texts(rng)
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
        sizes = {
            "clients": Client.objects.filter(organization=org).count(),
            "contacts": Contact.objects.filter(organization=org).count(),
            "interactions": Interaction.objects.filter(organization=org).count(),
            "projects": Project.objects.filter(organization=org).count(),
            "tasks": Task.objects.filter(organization=org).count(),
        }
        return {"sizes": sizes, "rates": {}, "organization_id": org.pk, "user_id": user.pk}

    def timed(name, count, fn):
        # Wall time, and this process's CPU time: on a busy shared machine the wall time is
        # mostly waiting for a core (on SQLite the database work is in this process too).
        t0, cpu0 = time.perf_counter(), time.process_time()
        fn()
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        rates[name] = {
            "rows": count,
            "seconds": round(elapsed, 2),
            "rows_per_s": round(count / elapsed),
            "cpu_seconds": round(cpu, 2),
        }
        log(
            f"  {name:<13} {count:>9,} rows in {elapsed:6.1f} s  ({count / elapsed:,.0f} rows/s; "
            f"cpu {cpu:.1f} s here)"
        )

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # Index pages of a million rows stay in memory while they are written.
            cursor.execute("PRAGMA cache_size = -262144")
    now = timezone.now()
    today = timezone.localdate()
    tenant = {"organization_id": org.pk}

    # The rest of the team: what the interactions, tasks and projects are spread over (and what
    # the planners' statistics see: an organisation of this size is not one person).
    team_emails = [f"member{i}@bench.example" for i in range(1, TEAM)]
    _Loader(User, ["email", "full_name"], password=make_password(BENCH_PASSWORD)).load(
        (email, f"{rng.choice(_SURNAMES)}{rng.choice(_GIVEN)}") for email in team_emails
    )
    team_ids = [user.pk] + list(
        User.objects.filter(email__in=team_emails).order_by("pk").values_list("pk", flat=True)
    )
    _Loader(Membership, ["user_id"], **tenant, role=Role.MEMBER).load((pk,) for pk in team_ids[1:])

    def ids(model) -> list[int]:
        return list(model.objects.filter(organization=org).order_by("pk").values_list("pk", flat=True))

    timed(
        "clients",
        sizes["clients"],
        lambda: _Loader(
            Client,
            ["name", "currency"],
            **tenant,
            timezone="Asia/Shanghai",
            industry="manufacturing",
            tags="bench",
        ).load(
            (
                f"{rng.choice(['华信', '远航', 'Nordlicht', 'Kranich', '东方'])}客户 {i} Client {i}",
                rng.choice(["CNY", "EUR", "USD"]),
            )
            for i in range(sizes["clients"])
        ),
    )
    client_ids = ids(Client)

    def contacts(rows):
        loader = _Loader(
            Contact, ["client_id", "first_name", "last_name", "name_local", "email", "phone"], **tenant
        )
        with _search_index_rebuilt_after(Contact._meta.db_table):
            loader.load(rows)

    timed(
        "contacts",
        sizes["contacts"],
        lambda: contacts(
            (
                client_ids[i % len(client_ids)],
                rng.choice(_GIVEN),
                rng.choice(_SURNAMES),
                rng.choice(_SURNAMES) + rng.choice(_GIVEN),
                f"contact{i}@bench.example",
                f"+86 138 {i:08d}",
            )
            for i in range(sizes["contacts"])
        ),
    )
    contact_ids = ids(Contact)

    timed(
        "projects",
        sizes["projects"],
        lambda: _Loader(
            Project,
            ["client_id", "code", "name", "end_date", "manager_id"],
            **tenant,
            start_date=today - dt.timedelta(days=90),
            budget_amount=Decimal("250000.00"),
            currency="CNY",
        ).load(
            (
                client_ids[i % len(client_ids)],
                f"B-{i:05d}",
                f"项目 {i} Project {i}",
                today + dt.timedelta(days=90 + i % 60),
                # The benchmark user manages one project in ten and is on every team.
                user.pk if i % 10 == 0 else team_ids[i % TEAM],
            )
            for i in range(sizes["projects"])
        ),
    )
    project_ids = ids(Project)
    # The benchmark user is on the team of every project (as a project manager would be on theirs).
    team = Project.team.through._meta.db_table
    _insert(team, ["project_id", "user_id"], ((pk, user.pk) for pk in project_ids))

    milestones = len(project_ids) * 4
    timed(
        "milestones",
        milestones,
        lambda: _Loader(Milestone, ["project_id", "name", "due_date"], **tenant).load(
            (
                project_ids[i // 4],
                ["需求确认 Requirements", "设计评审 Design", "上线 Go-live", "验收 Acceptance"][i % 4],
                today + dt.timedelta(days=(i % 4) * 20 - 10 + (i // 4) % 7),
            )
            for i in range(milestones)
        ),
    )

    statuses = [TaskStatus.TODO, TaskStatus.DOING, TaskStatus.BLOCKED, TaskStatus.DONE]
    timed(
        "tasks",
        sizes["tasks"],
        lambda: _Loader(
            Task,
            ["project_id", "title", "status", "assignee_id", "due_date", "position", "done_on"],
            **tenant,
            estimate_hours=Decimal("4.00"),
        ).load(
            (
                project_ids[i % len(project_ids)],
                _text(texts, i),
                statuses[i % 4],
                user.pk if i % 7 == 0 else team_ids[i % TEAM] if i % 7 < 5 else None,
                today + dt.timedelta(days=(i % 40) - 20),
                i,
                today if i % 4 == 3 else None,
            )
            for i in range(sizes["tasks"])
        ),
    )

    kinds = ["email", "call", "meeting", "im", "visit", "note"]

    def interactions():
        loader = _Loader(
            Interaction,
            ["client_id", "project_id", "kind", "occurred_at", "summary"]
            + ["follow_up_on", "follow_up_owner_id", "created_by_id"],
            **tenant,
            body="",
        )
        rows = (
            (
                client_ids[i % len(client_ids)],
                project_ids[i % len(project_ids)] if i % 3 == 0 else None,
                kinds[i % 6],
                now - dt.timedelta(minutes=i),
                _text(texts, i) if i < sizes["interactions"] - 1 else f"{SEARCH_RARE} signed",
                # About one in a hundred asks for a follow-up, spread over clients and around
                # today (101 shares no factor with the client count, so no client gets them all).
                today + dt.timedelta(days=(i // 101) % 30 - 15) if i % 101 == 0 else None,
                user.pk if i % 101 == 0 else None,
                team_ids[i % TEAM],
            )
            for i in range(sizes["interactions"])
        )
        with _search_index_rebuilt_after(Interaction._meta.db_table):
            loader.load(rows)

    timed("interactions", sizes["interactions"], interactions)
    # One in ten interactions names a contact of its client.
    interaction_ids = ids(Interaction)
    per_client = max(1, len(contact_ids) // len(client_ids))
    _insert(
        Interaction.contacts.through._meta.db_table,
        ["interaction_id", "contact_id"],
        (
            (interaction_ids[i], contact_ids[(i % len(client_ids)) + len(client_ids) * (i % per_client)])
            for i in range(0, sizes["interactions"], 10)
        ),
    )

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    total = sum(r["rows"] for r in rates.values())
    elapsed = time.perf_counter() - started
    log(f"  seeded {total:,} rows in {elapsed:.1f} s ({total / elapsed:,.0f} rows/s, statistics included)")
    return {
        "sizes": sizes,
        "rates": rates,
        "total": {"rows": total, "seconds": round(elapsed, 1), "rows_per_s": round(total / elapsed)},
        "organization_id": org.pk,
        "user_id": user.pk,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seed")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    seed(args.scale)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
