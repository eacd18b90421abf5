"""Shared by the privacy tests: a person with a history, and a scan of the whole database."""

from __future__ import annotations

import json

from django.apps import apps
from django.db import models

NAME_FIRST = "Xiaoming"
NAME_LAST = "Zhoulan"
NAME_LOCAL = "周晓明"
EMAIL = "xiaoming.zhou@huaxin.example"
PHONE = "+86 138 0013 8000"
WECHAT = "zxm_wechat_88"


def contact_form(client_pk: int, **extra) -> dict:
    data = {
        "name_local": NAME_LOCAL,
        "first_name": NAME_FIRST,
        "last_name": NAME_LAST,
        "title": "Procurement lead",
        "role": "key_user",
        "is_active": "on",
        "email": EMAIL,
        "phone": PHONE,
        "wechat": WECHAT,
        "preferred_channel": "email",
        "language": "zh-hans",
        "timezone": "",
    }
    data.update(extra)
    return data


def scan_database(values) -> list[str]:
    """Every (model, column, row) whose text or JSON still contains one of ``values``."""
    needles = [v.casefold() for v in values]
    found = []
    for model in apps.get_models():
        columns = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not columns:
            continue
        for pk, *row in model._default_manager.values_list("pk", *columns):
            for column, value in zip(columns, row, strict=True):
                if value in (None, ""):
                    continue
                text = (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)).casefold()
                for needle in needles:
                    if needle in text:
                        found.append(f"{model._meta.label}.{column} #{pk}: {needle}")
    return found
