"""Demo data, loaded idempotently by ``accord demo``.

Each app may have a ``demo.py`` with ``load(ctx: DemoContext)``; they run in the order of
INSTALLED_APPS and share the context (organisations, people, clients, projects by key).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction

DEMO_PASSWORD = "accord-demo-2026"


@dataclass
class DemoContext:
    orgs: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    clients: dict = field(default_factory=dict)
    contacts: dict = field(default_factory=dict)
    projects: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    log: list = field(default_factory=list)


def load_all(stdout=None) -> DemoContext:
    ctx = DemoContext()
    for config in apps.get_app_configs():
        if not config.name.startswith("accord."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        if not hasattr(module, "load") or module.__name__ == __name__:
            continue
        with transaction.atomic():
            module.load(ctx)
        if stdout:
            stdout.write(f"  demo data: {config.label}")
    return ctx
