"""Outgoing event webhooks: subscribers receive the events they chose, through the outbox."""

from __future__ import annotations


def fan_out(event) -> int:
    """Queue ``event`` for each matching subscription. Returns how many were queued.

    Subscriptions arrive with the communication hub; until then there are none to serve.
    """
    return 0
