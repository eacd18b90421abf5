"""Periodic jobs of the risk register (registered in RisksConfig.ready)."""


def review_reminders() -> int:
    from .services import risk_review_reminders

    return risk_review_reminders()
