"""The REST API root at /api/v1/: every app's router, token auth, JSON errors."""

from django.utils.module_loading import import_string

from . import errors
from .auth import AUTH
from .openapi import AccordAPI

api = AccordAPI(
    title="Accord API",
    version="1",
    description="Clients, contacts, interactions, projects and everything around serving the client.",
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
    parser=errors.BoundedJSONParser(),
)
errors.install(api)

ROUTERS = [
    ("/", "accord.tenancy.api.router"),
    ("/", "accord.crm.api.router"),
    ("/", "accord.projects.api.router"),
    ("/", "accord.comms.api.router"),
    ("/", "accord.reports.api.router"),
    ("/", "accord.meetings.api.router"),
    ("/", "accord.needs.api.router"),
    ("/", "accord.playbooks.api.router"),
    ("/", "accord.risks.api.router"),
    ("/", "accord.changes.api.router"),
    ("/", "accord.portal.api.router"),
    ("/", "accord.service.api.router"),
    ("/", "accord.feedback.api.router"),
    ("/", "accord.evaluation.api.router"),
    ("/", "accord.dataio.api.router"),
]

for prefix, dotted in ROUTERS:
    api.add_router(prefix, import_string(dotted))
