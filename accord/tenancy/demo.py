"""Demo organisations and people: a Shanghai IT vendor and a Berlin digital agency.

Idempotent: organisations are keyed by slug, people by e-mail; a password is set only when a
person is created, so a changed demo password survives a second run.
"""

from __future__ import annotations

from accord.audit.services import audit_create
from accord.core.demo import DEMO_PASSWORD

from .models import Membership, Organization, Role, User

ORGS = {
    "shanghai": {
        "slug": "yunqiao",
        "name": "上海云桥信息技术有限公司 (Shanghai Yunqiao IT)",
        "default_language": "zh-hans",
        "default_timezone": "Asia/Shanghai",
        "default_currency": "CNY",
        "brand_color": "#c8102e",
    },
    "berlin": {
        "slug": "kranich",
        "name": "Kranich Digital GmbH",
        "default_language": "en",
        "default_timezone": "Europe/Berlin",
        "default_currency": "EUR",
        "brand_color": "#0f766e",
    },
}

# key: (e-mail, full name, language, time zone, {org key: role})
PEOPLE = {
    "demo": (
        "demo@accord.example",
        "Demo User",
        "",
        "Asia/Shanghai",
        {"shanghai": Role.OWNER, "berlin": Role.OWNER},
    ),
    "shanghai_owner": (
        "wang.wei@yunqiao.example",
        "王伟",
        "zh-hans",
        "Asia/Shanghai",
        {"shanghai": Role.OWNER},
    ),
    "shanghai_manager": (
        "chen.jing@yunqiao.example",
        "陈静",
        "zh-hans",
        "Asia/Shanghai",
        {"shanghai": Role.MANAGER},
    ),
    "shanghai_member": (
        "zhang.lei@yunqiao.example",
        "张磊",
        "zh-hans",
        "Asia/Shanghai",
        {"shanghai": Role.MEMBER},
    ),
    "berlin_owner": (
        "anna.schmidt@kranich.example",
        "Anna Schmidt",
        "en",
        "Europe/Berlin",
        {"berlin": Role.OWNER},
    ),
    "berlin_manager": (
        "jonas.weber@kranich.example",
        "Jonas Weber",
        "en",
        "Europe/Berlin",
        {"berlin": Role.MANAGER},
    ),
    "berlin_member": (
        "emily.clarke@kranich.example",
        "Emily Clarke",
        "en",
        "Europe/Berlin",
        {"berlin": Role.MEMBER},
    ),
}


def load(ctx) -> None:
    for key, fields in ORGS.items():
        values = dict(fields)
        slug = values.pop("slug")
        org, created = Organization.objects.get_or_create(slug=slug, defaults=values)
        ctx.orgs[key] = org
        if created:
            ctx.log.append(f"organisation {org.name}")

    for key, (email, full_name, language, tz, roles) in PEOPLE.items():
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, full_name=full_name, language=language, timezone=tz
            )
            ctx.log.append(f"user {email}")
        ctx.users[key] = user
        for org_key, role in roles.items():
            membership, created = Membership.objects.get_or_create(
                organization=ctx.orgs[org_key], user=user, defaults={"role": role}
            )
            if created:
                audit_create(user, membership)
