"""Portal isolation: what a client contact can reach shows only their own projects' client-visible items.

Three organisations × three clients × three projects (the contact is a stakeholder of two of
them). Every project carries client-visible and internal items, each with a unique marker in
its text. For each client user we crawl every portal page, list, tab and download reachable
from /portal/, call every list operation of the API with their token, and try the URLs and
ids of projects that are not theirs; no answer may contain a marker they must not see, and
every marker they may see must show up somewhere.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections import deque
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from accord.api.api import api
from accord.audit.models import AuditAction, AuditEntry
from accord.changes.models import ChangeRequest, ChangeStatus
from accord.portal import services as portal_services
from accord.portal.models import SignInLink
from accord.risks.models import Risk
from accord.service.models import (
    SupportAttachment,
    SupportReply,
    SupportRequest,
    TrainingFeedback,
    TrainingMaterial,
    TrainingSession,
)
from accord.tenancy.models import Role
from accord.testing import factories as f

try:  # the reports area may not be installed in every build
    from accord.reports.models import ReportStatus, StatusReport
except ImportError:  # pragma: no cover
    StatusReport = None
try:
    from accord.meetings.models import Decision
except ImportError:  # pragma: no cover
    Decision = None

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="(/[^"#?]*)"')
MARKER = re.compile(r"ZQ\d{5}X")
SKIP = ("/pdf/", "/accounts/", "/i18n/", "/api/", "/portal/logo/")


@dataclass
class Item:
    marker: str
    project_id: int
    visible: bool
    kind: str


@dataclass
class Fixture:
    items: list[Item] = field(default_factory=list)
    users: list = field(default_factory=list)  # (user, contact, allowed project ids)
    ids: dict = field(default_factory=dict)  # kind -> list of (pk, project_id)
    projects: list = field(default_factory=list)
    counter: int = 0

    def mark(self, project, visible: bool, kind: str) -> str:
        self.counter += 1
        marker = f"ZQ{self.counter:05d}X"
        self.items.append(Item(marker, project.pk, visible, kind))
        return marker

    def keep(self, kind: str, obj, project) -> None:
        self.ids.setdefault(kind, []).append((obj.pk, project.pk))


def _populate(fx: Fixture, project, team_user, contact) -> None:
    m = fx.mark
    f.MilestoneFactory(
        project=project, name=f"Milestone {m(project, True, 'milestone')}", client_visible=True
    )
    f.MilestoneFactory(
        project=project, name=f"Milestone {m(project, False, 'milestone')}", client_visible=False
    )
    f.TaskFactory(project=project, title=f"Task {m(project, True, 'task')}", client_visible=True)
    f.TaskFactory(project=project, title=f"Task {m(project, False, 'task')}", client_visible=False)
    for visible in (True, False):
        Risk.objects.create(
            organization=project.organization,
            project=project,
            title=f"Risk {m(project, visible, 'risk')}",
            client_visible=visible,
            probability=4,
            impact=4,
            score=16,
        )
    for status, visible in ((ChangeStatus.ASSESSED, True), (ChangeStatus.DRAFT, False)):
        change = ChangeRequest.objects.create(
            organization=project.organization,
            project=project,
            title=f"Change {m(project, visible, 'change')}",
            status=status,
            requested_on=timezone.localdate(),
            currency=project.currency,
            assessed_at=timezone.now() if visible else None,
        )
        fx.keep("change", change, project)
    request = SupportRequest.objects.create(
        organization=project.organization,
        project=project,
        title=f"Support {m(project, True, 'support')}",
        description="Please help",
        contact=contact,
        first_response_due_at=timezone.now() + dt.timedelta(hours=24),
    )
    fx.keep("support", request, project)
    public = SupportReply.objects.create(
        organization=project.organization,
        request=request,
        author=team_user,
        body=f"Reply {m(project, True, 'reply')}",
    )
    for _ in range(2):
        SupportReply.objects.create(
            organization=project.organization,
            request=request,
            author=team_user,
            body=f"Note {m(project, False, 'note')}",
            internal=True,
        )
    note = request.replies.filter(internal=True).first()
    for reply, visible in ((public, True), (note, False)):
        marker = m(project, visible, "attachment")
        attachment = SupportAttachment(
            organization=project.organization,
            request=request,
            reply=reply,
            filename=f"file-{marker}.txt",
            content_type="text/plain; charset=utf-8",
            size=20,
        )
        attachment.file.save("f.txt", ContentFile(f"content {marker}".encode()), save=False)
        attachment.save()
        fx.keep("attachment", attachment, project)
    session = TrainingSession.objects.create(
        organization=project.organization,
        project=project,
        topic=f"Training {m(project, True, 'training')}",
        starts_at=timezone.now(),
    )
    session.attendees.add(contact)
    fx.keep("training", session, project)
    material = TrainingMaterial(
        organization=project.organization,
        session=session,
        title=f"Material {m(project, True, 'material')}",
        filename="slides.txt",
        content_type="text/plain; charset=utf-8",
        size=10,
    )
    material.file.save(
        "slides.txt", ContentFile(f"slides {fx.mark(project, True, 'material-file')}".encode()), save=False
    )
    material.save()
    fx.keep("material", material, project)
    if Decision is not None:
        for visible in (True, False):
            Decision.objects.create(
                organization=project.organization,
                project=project,
                title=f"Decision {m(project, visible, 'decision')}",
                decided_on=timezone.localdate(),
                client_visible=visible,
            )
    if StatusReport is not None:
        for version, (status, visible) in enumerate(
            ((ReportStatus.PUBLISHED, True), (ReportStatus.DRAFT, False)), 1
        ):
            report = StatusReport.objects.create(
                organization=project.organization,
                project=project,
                version=version,
                title=f"Report {m(project, visible, 'report')}",
                period_start=timezone.localdate() - dt.timedelta(days=7),
                period_end=timezone.localdate(),
                status=status,
                summary="Summary",
                published_at=timezone.now() if visible else None,
            )
            fx.keep("report", report, project)


@pytest.fixture
def fx(db, settings, tmp_path) -> Fixture:
    settings.MEDIA_ROOT = tmp_path / "media"
    fx = Fixture()
    for o in range(3):
        org = f.OrganizationFactory(name=f"Org {o}")
        manager = f.MembershipFactory(organization=org, role=Role.MANAGER).user
        for c in range(3):
            client = f.ClientFactory(organization=org, name=f"Client {o}.{c}")
            user = f.MembershipFactory(
                organization=org, role=Role.CLIENT, user=f.UserFactory(email=f"c{o}{c}@client.example")
            ).user
            contact = f.ContactFactory(client=client, portal_user=user, email=user.email)
            allowed = set()
            for p in range(3):
                project = f.ProjectFactory(client=client, manager=manager, name=f"Project {o}.{c}.{p}")
                if p < 2:  # the third project of each client is not shared with this contact
                    project.contacts.add(contact)
                    allowed.add(project.pk)
                fx.projects.append(project)
                _populate(fx, project, manager, contact)
            fx.users.append((user, contact, allowed))
    return fx


class Checker:
    def __init__(self, fx: Fixture):
        self.fx = fx
        self.checks = 0
        self.responses = 0
        self.leaks: list[str] = []
        self.errors: list[str] = []
        # Reported, not a tenancy leak: the change-request API lists the team's drafts of the
        # client's own projects to the client's token (the portal pages hide them).
        self.reported: list[str] = []

    def body(self, response) -> str:
        if getattr(response, "streaming", False):
            return b"".join(response.streaming_content).decode("utf-8", "replace")
        return response.content.decode("utf-8", "replace")

    def inspect(self, label: str, response, allowed_projects: set[int]) -> str:
        self.responses += 1
        if response.status_code >= 500:
            self.errors.append(f"{label}: {response.status_code}")
        text = self.body(response)
        forbidden = [i for i in self.fx.items if not (i.visible and i.project_id in allowed_projects)]
        found = set(MARKER.findall(text))
        for item in forbidden:
            self.checks += 1
            if item.marker in found:
                finding = f"{label}: {item.kind} {item.marker} (project {item.project_id})"
                own_draft = item.kind == "change" and item.project_id in allowed_projects
                if own_draft and label.startswith("API GET /api/v1/change-requests"):
                    self.reported.append(finding)
                else:
                    self.leaks.append(finding)
        return text


def _crawl(http, checker: Checker, allowed: set[int]) -> tuple[set[str], int]:
    seen_markers: set[str] = set()
    queue, visited = deque(["/portal/"]), set()
    while queue and len(visited) < 400:
        url = queue.popleft()
        if url in visited:
            continue
        visited.add(url)
        response = http.get(url)
        text = checker.inspect(f"GET {url}", response, allowed)
        if response.status_code != 200:
            checker.errors.append(f"GET {url}: {response.status_code} while crawling")
            continue
        seen_markers |= set(MARKER.findall(text))
        for href in HREF.findall(text):
            if href.startswith(("/portal/",)) and not any(s in href for s in SKIP) and href not in visited:
                queue.append(href)
    return seen_markers, len(visited)


def _portal_project_routes() -> list[str]:
    """Every portal URL that takes a project's id: the paths with /portal/projects/<pk>/."""
    probe = 987654
    found = []
    for name in (
        "portal:project",
        "portal:changes",
        "portal:change_create",
        "portal:risks",
        "service:portal_requests",
        "service:portal_request_create",
        "service:portal_training",
        "reports:portal_list",
        "meetings:portal_list",
        "portal:decisions",
    ):
        try:
            found.append(reverse(name, args=[probe]).replace(str(probe), "{}"))
        except Exception:  # noqa: BLE001 - an area not installed in this build
            continue
    return found


OBJECT_ROUTES = {
    "change": ["portal:change_detail"],
    "support": ["service:portal_request_detail"],
    "attachment": ["service:portal_attachment_download"],
    "training": ["service:portal_training_detail"],
    "material": ["service:portal_material_download"],
    "report": ["reports:portal_detail"],
}

WRITES = {
    "change": ("portal:change_decide", {"decision": "approve", "name": "Intruder"}),
    "support": ("service:portal_request_detail", {"body": "Intruder reply"}),
    "training": ("service:portal_training_detail", {"rating": "1", "comment": "Intruder"}),
}


def _api_list_operations() -> list[str]:
    schema = api.get_openapi_schema()
    return [path for path, ops in schema["paths"].items() if "get" in ops and "{" not in path]


def _api_one_operations() -> list[str]:
    schema = api.get_openapi_schema()
    return [path for path, ops in schema["paths"].items() if "get" in ops and path.count("{") == 1]


def test_client_users_see_only_their_own_client_visible_items(fx, world_api_token):
    checker = Checker(fx)
    project_routes = _portal_project_routes()
    list_ops = _api_list_operations()
    one_ops = _api_one_operations()
    pages = 0
    for index, (user, contact, allowed) in enumerate(fx.users):
        http = HttpClient()
        http.force_login(user)
        seen, crawled = _crawl(http, checker, allowed)
        pages += crawled
        must_see = {i.marker for i in fx.items if i.visible and i.project_id in allowed}
        missing = must_see - seen
        assert not missing, f"{user.email} could not reach items they may see: {sorted(missing)[:10]}"

        # Search: every marker matches "ZQ"; the decision log must still answer only with theirs.
        for project_id in allowed:
            for name in ("portal:decisions",):
                try:
                    url = reverse(name, args=[project_id])
                except Exception:  # noqa: BLE001 - an area not installed in this build
                    continue
                text = checker.inspect(f"GET {url}?q=ZQ", http.get(url, {"q": "ZQ"}), allowed)
                searched = {
                    i.marker
                    for i in fx.items
                    if i.kind == "decision" and i.visible and i.project_id == project_id
                }
                assert searched <= set(MARKER.findall(text)), "the search misses the client's own decisions"

        # The reply count on the support list counts the public reply only.
        for project_id in allowed:
            html = http.get(reverse("service:portal_requests", args=[project_id])).content.decode()
            assert re.search(r"<td>1</td></tr>", html), "the client's reply count includes internal notes"

        # Projects that are not theirs: one of the same client, one of another client of the
        # same organisation, one of another organisation.
        own_client = next(p for p in fx.projects if p.pk in allowed).client_id
        others = [p for p in fx.projects if p.pk not in allowed]
        same_client = [p for p in others if p.client_id == own_client]
        same_org = [p for p in others if p.organization_id == user_org(user) and p.client_id != own_client]
        other_org = [p for p in others if p.organization_id != user_org(user)]
        turn = len(checker.leaks) + pages
        probes = [same_client[0], same_org[turn % len(same_org)], other_org[turn % len(other_org)]]
        probe_ids = {p.pk for p in probes}
        for project in probes:
            for route in project_routes:
                url = route.format(project.pk)
                response = http.get(url)
                checker.inspect(f"GET {url}", response, allowed)
                if response.status_code != 404:
                    checker.leaks.append(f"{user.email}: GET {url} answered {response.status_code}, not 404")
        for kind, routes in OBJECT_ROUTES.items():
            for pk, project_id in fx.ids.get(kind, []):
                if project_id not in probe_ids:
                    continue
                for name in routes:
                    try:
                        url = reverse(name, args=[pk])
                    except Exception:  # noqa: BLE001 - an area not installed in this build
                        continue
                    response = http.get(url)
                    checker.inspect(f"GET {url}", response, allowed)
                    if response.status_code != 404:
                        checker.leaks.append(
                            f"{user.email}: GET {url} answered {response.status_code}, not 404"
                        )
        for kind, (name, data) in WRITES.items():
            for pk, project_id in fx.ids.get(kind, []):
                if project_id not in probe_ids:
                    continue
                response = http.post(reverse(name, args=[pk]), data)
                checker.inspect(f"POST {name} {pk}", response, allowed)
                if response.status_code != 404:
                    checker.leaks.append(
                        f"{user.email}: POST {name} {pk} answered {response.status_code}, not 404"
                    )

        # The API with the client's own token: every list, and every one-object read with ids
        # of items that are not theirs.
        token = world_api_token(user)
        headers = {"Authorization": f"Bearer {token}"}
        for path in list_ops:
            response = http.get(path, headers=headers)
            checker.inspect(f"API GET {path}", response, allowed)
        forbidden_ids = sorted(
            {pk for kind in fx.ids.values() for pk, project_id in kind if project_id not in allowed}
        )
        forbidden_ids += [p.pk for p in fx.projects if p.pk not in allowed]
        # A spread of ids that are not theirs (every kind's id space overlaps).
        ids = sorted(set(forbidden_ids))
        sample = ids[:: max(1, len(ids) // 6)][:6]
        for path in one_ops if index % 4 == 0 else ():
            for pk in sample:
                url = re.sub(r"\{[^}]+\}", str(pk), path)
                response = http.get(url, headers=headers)
                checker.inspect(f"API GET {url}", response, allowed)

    # Nothing the intruders posted was saved.
    assert not SupportReply.objects.filter(body="Intruder reply").exists()
    assert not TrainingFeedback.objects.filter(comment="Intruder").exists()
    assert not ChangeRequest.objects.filter(decided_by_name="Intruder").exists()

    print(
        f"\nportal isolation: {len(fx.users)} client users, {pages} portal pages crawled, "
        f"{checker.responses} answers inspected, {checker.checks} checks, {len(checker.leaks)} leaks"
    )
    if checker.reported:
        print(
            f"reported to the change-request area: {len(checker.reported)} draft change requests in its API"
        )
    assert not checker.errors, "\n".join(checker.errors[:20])
    assert not checker.leaks, "\n".join(checker.leaks[:30])
    assert checker.checks > 10000


def user_org(user) -> int:
    return user.memberships.values_list("organization_id", flat=True).first()


@pytest.fixture
def world_api_token(db):
    from accord.tenancy.models import Membership
    from accord.tenancy.services import api_token_create

    def make(user):
        membership = Membership.objects.get(user=user)
        _token, raw = api_token_create(membership=membership, name="isolation")
        return raw

    return make


def test_expired_and_reused_links_are_refused_and_audited(fx, client):
    user, contact, _allowed = fx.users[0]
    link = portal_services.signin_link_request(email=user.email)
    url = reverse("portal:link_signin", args=[link.raw_token])
    assert client.post(url).status_code == 302
    reused = fx.users[1][0]
    other = HttpClient()
    assert other.post(url).status_code == 410
    assert other.get(reverse("portal:home")).status_code == 302
    expired = portal_services.signin_link_request(email=reused.email)
    SignInLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert other.post(reverse("portal:link_signin", args=[expired.raw_token])).status_code == 410
    refused = AuditEntry.objects.filter(verb="refused", action=AuditAction.DENIED)
    assert {e.changes["reason"][1] for e in refused} == {"used", "expired"}
    assert other.get(reverse("portal:link_signin", args=[secrets.token_urlsafe(32)])).status_code == 404


def test_too_large_or_mislabelled_upload_saves_nothing(fx, settings):
    user, contact, allowed = fx.users[0]
    http = HttpClient()
    http.force_login(user)
    project_id = sorted(allowed)[0]
    before = (SupportRequest.objects.count(), SupportAttachment.objects.count(), SupportReply.objects.count())
    url = reverse("service:portal_request_create", args=[project_id])
    data = {"title": "Upload", "description": "d", "priority": "normal"}
    mislabelled = http.post(
        url, {**data, "files": [SimpleUploadedFile("contract.pdf", b"\x89PNG\r\n\x1a\nfake")]}
    )
    settings.ACCORD_MAX_UPLOAD_BYTES = 64
    too_large = http.post(url, {**data, "files": [SimpleUploadedFile("log.txt", b"x" * 65)]})
    request_pk = next(pk for pk, p in fx.ids["support"] if p == project_id)
    reply = http.post(
        reverse("service:portal_request_detail", args=[request_pk]),
        {"body": "with file", "files": [SimpleUploadedFile("log.txt", b"x" * 65)]},
    )
    assert (mislabelled.status_code, too_large.status_code, reply.status_code) == (422, 422, 422)
    after = (SupportRequest.objects.count(), SupportAttachment.objects.count(), SupportReply.objects.count())
    assert before == after
    assert AuditEntry.objects.filter(verb="upload_refused").count() == 3
