"""Risks as an importable kind, once the risk register's model exists."""

from __future__ import annotations


def risk_spec():
    from django.apps import apps

    try:
        apps.get_model("risks", "Risk")
    except LookupError:
        return None
    return None
