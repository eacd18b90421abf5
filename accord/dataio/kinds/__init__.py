"""What each importable kind looks like: its columns (with the header names other tools use),
how a row is checked (the same rules as the CRM and project forms), how duplicates are found,
and how it is exported.

A ``Batch`` holds lookups fetched once per run (clients by name, existing e-mails and phones,
projects by code …) so that checking a row never queries the database.

values.py  columns, header names and value cleaning     batch.py  the per-run lookups (Batch)
base.py    KindSpec, what every kind shares             crm.py    clients, contacts, interactions
tasks.py   project tasks                                here      the registry of kinds (spec_for)
"""

from __future__ import annotations

from .base import KindSpec
from .crm import ClientSpec, ContactSpec, InteractionSpec
from .tasks import TaskSpec

SPECS: dict[str, KindSpec] = {
    spec.key: spec for spec in (ClientSpec(), ContactSpec(), InteractionSpec(), TaskSpec())
}


def register_risks() -> None:
    """Risks join the kinds here (their module builds on this one)."""
    from ..risk_kind import risk_spec

    spec = risk_spec()
    SPECS[spec.key] = spec


def spec_for(kind: str) -> KindSpec:
    from django.http import Http404

    if kind not in SPECS:
        register_risks()
    try:
        return SPECS[kind]
    except KeyError:
        raise Http404 from None
