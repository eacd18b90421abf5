"""Communication-plan obligations: dated duties generated from the plan and met by what
actually reached the client. (The plan and its obligations arrive with the communication hub.)"""

from __future__ import annotations


def meet_for_interaction(interaction) -> list:
    return []


def meet(*, project, channel: str, contacts=(), when=None, source=None, note: str = "") -> list:
    return []
