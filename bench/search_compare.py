"""Search before and after, on a seeded benchmark database (python -m bench.seed): the plain
``icontains`` scan the lists ran before (newest 51 first, as an API page) against the search
through the substring index, the time of the SQL alone (median of 5) and whether the answers
are the same. A 1-2 character term looks among the newest rows only: "recent only".

    DATABASE_URL=postgres://... python bench/search_compare.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
import django  # noqa: E402

django.setup()
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402

from accord.core import search  # noqa: E402
from accord.crm import selectors as crm  # noqa: E402
from accord.crm.models import Contact, Interaction  # noqa: E402
from accord.projects import selectors as ps  # noqa: E402
from accord.projects.models import Task  # noqa: E402
from accord.tenancy.models import Organization  # noqa: E402

org = Organization.objects.get(slug="bench").pk


def plain(fields, term):
    q = Q()
    for f in fields:
        q |= Q(**{f"{f}__icontains": term})
    return q


def timed(qs):
    rows = None
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        rows = list(qs.values_list("pk", flat=True))
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs), rows


cases = []
for label, term in (("common", "Smith"), ("rare", "年度框架协议"), ("2 characters", "验收")):
    base = Contact.objects.filter(organization_id=org)
    cases.append(
        (
            f"contacts q ({label})",
            base.filter(plain(crm.CONTACT_LIST_FIELDS, term)).order_by("-pk")[:51],
            search.text_filter(base, term, crm.contact_text).order_by("-pk")[:51],
        )
    )
for label, term in (("common", "warehouse"), ("rare", "年度框架协议"), ("2 characters", "验收")):
    base = Interaction.objects.filter(organization_id=org)
    cases.append(
        (
            f"interactions q ({label})",
            base.filter(plain(("summary", "body"), term)).order_by("-pk")[:51],
            crm.interaction_text(base, term).order_by("-pk")[:51],
        )
    )
    baset = Task.objects.filter(organization_id=org)
    cases.append(
        (
            f"tasks q ({label})",
            baset.filter(plain(("title", "description"), term)).order_by("-pk")[:51],
            ps.task_filter(baset, q=term).order_by("-pk")[:51],
        )
    )
print(
    f"{connection.vendor}: {Interaction.objects.filter(organization_id=org).count():,} interactions, "
    f"{Contact.objects.filter(organization_id=org).count():,} contacts, "
    f"{Task.objects.filter(organization_id=org).count():,} tasks"
)
print(f"{'search':<30}{'before ms':>10}{'after ms':>10}  same answer")
for name, before, after in cases:
    b, rb = timed(before)
    a, ra = timed(after)
    if rb == ra:
        same = "yes"
    else:
        same = "recent only" if "2 char" in name else "NO"
    print(f"{name:<30}{b:>10.1f}{a:>10.1f}  {same}")
