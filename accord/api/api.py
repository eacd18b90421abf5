"""The REST API root at /api/v1/: every app's router, token auth, JSON errors."""

from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accord.core import conditional

from . import errors
from .auth import AUTH, RateLimited, docs_access
from .openapi import AccordAPI

api = AccordAPI(
    title="Accord API",
    version="1",
    description="Clients, contacts, interactions, projects and everything around serving the client.",
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
    docs_decorator=docs_access,
    parser=errors.BoundedJSONParser(),
)
errors.install(api)


@api.exception_handler(RateLimited)
def rate_limited(request, exc):
    response = api.create_response(
        request,
        {
            "message": _("Too many requests: wait %(seconds)s seconds and try again.")
            % {"seconds": exc.retry_after}
        },
        status=429,
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


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
    ("/", "accord.service.api.router"),
    ("/", "accord.feedback.api.router"),
    ("/", "accord.evaluation.api.router"),
    ("/", "accord.dataio.api.router"),
    ("/", "accord.crm.api_search.router"),
    ("/", "accord.api.audit.router"),
    ("/", "accord.tenancy.api_people.router"),
    ("/", "accord.comms.api_channels.router"),
    ("/", "accord.service.api_mail.router"),
    ("/", "accord.evaluation.api_lessons.router"),
]

for prefix, dotted in ROUTERS:
    api.add_router(prefix, import_string(dotted))

# ETag on every object, If-None-Match on reads, If-Match (or a body "version") on writes.
conditional.install(api)
