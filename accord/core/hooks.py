"""Calls that point upward: a lower layer (tenancy, crm, projects) needs something an area above it
implements. The lower layer calls the function here; the area that implements it registers it in its
``AppConfig.ready()``. Each hook has one implementation; calling one that nobody registered raises,
so a missing app fails loudly instead of silently skipping the work.

    hooks.register("outbox_email", services.outbox_email)      # comms, in CommsConfig.ready()
    hooks.outbox_email(organization=org, to=email, ...)        # tenancy
"""

from __future__ import annotations

from collections.abc import Callable

_HOOKS: dict[str, Callable] = {}

# name -> the app that implements it
KNOWN = {
    "outbox_email": "comms",  # queue one e-mail in the outbox
    "notify": "comms",  # a notice in the app (and by mail) to team members
    "event_emit": "comms",  # record a domain event of accord.core.events, fan out to webhooks
    "interaction_logged": "comms",  # an interaction meets communication-plan obligations
    "interactions_logged": "comms",  # the same for many interactions at once (an import)
    "interaction_event": "comms",  # emit interaction.logged
    "contact_portal_identity_changed": "portal",  # a portal contact's e-mail changed
    "project_start_url": "evaluation",  # where a manager lands after creating a project
    "delivery_paused": "ops",  # the installation's outgoing-delivery switch (after a restore)
    "client_projects": "projects",  # a client's projects the member may see, with their progress
    "change_request_from_risk": "changes",  # draft a change request for a risk that occurred
}


def register(name: str, function: Callable) -> None:
    if name not in KNOWN:
        raise ValueError(f"Unknown hook {name!r}: add it to accord.core.hooks.KNOWN")
    _HOOKS[name] = function


def _call(hook: str, /, *args, **kwargs):
    try:
        function = _HOOKS[hook]
    except KeyError:
        raise RuntimeError(f"Hook {hook!r} has no implementation (accord.{KNOWN[hook]})") from None
    return function(*args, **kwargs)


def outbox_email(**kwargs):
    return _call("outbox_email", **kwargs)


def notify(**kwargs):
    return _call("notify", **kwargs)


def event_emit(**kwargs):
    return _call("event_emit", **kwargs)


def interaction_logged(interaction):
    return _call("interaction_logged", interaction)


def interactions_logged(interactions, *, contacts):
    return _call("interactions_logged", interactions, contacts=contacts)


def interaction_event(interaction, contacts):
    return _call("interaction_event", interaction, contacts)


def contact_portal_identity_changed(**kwargs):
    return _call("contact_portal_identity_changed", **kwargs)


def project_start_url(project) -> str:
    return _call("project_start_url", project)


def delivery_paused() -> bool:
    return _call("delivery_paused")


def client_projects(member, client) -> list:
    return _call("client_projects", member, client)


def change_request_from_risk(**kwargs):
    return _call("change_request_from_risk", **kwargs)
