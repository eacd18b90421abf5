import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accord.audit.models import AuditEntry
from accord.service.models import (
    RequestStatus,
    SupportAttachment,
    SupportReply,
    SupportRequest,
    TrainingFeedback,
)
from accord.service.tests.factories import SupportReplyFactory, SupportRequestFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\nminimal\n"


def test_team_raises_a_request_for_the_client(world):
    http = world.http(world.member)
    url = reverse("service:request_create", args=[world.project.pk])
    response = http.post(
        url,
        {
            "title": "Printer driver",
            "description": "Labels print blank",
            "priority": "high",
            "contact": world.contact.pk,
            "files": [SimpleUploadedFile("manual.pdf", PDF)],
        },
    )
    request = SupportRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "service:request_detail", args=[request.pk]
    )
    assert request.contact == world.contact and request.attachments.count() == 1


def test_team_reply_internal_note_and_update(world):
    request = SupportRequestFactory(project=world.project, contact=world.contact)
    http = world.http(world.member)
    http.post(
        reverse("service:request_reply", args=[request.pk]), {"body": "Checking logs", "internal": "on"}
    )
    http.post(reverse("service:request_reply", args=[request.pk]), {"body": "Please restart the service"})
    response = http.post(
        reverse("service:request_update", args=[request.pk]),
        {"status": "waiting", "priority": "high", "assignee": world.member.pk},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.WAITING and request.assignee == world.member
    assert request.first_response_at is not None
    html = http.get(reverse("service:request_detail", args=[request.pk])).content.decode()
    assert "Checking logs" in html and "Please restart the service" in html
    # The client sees the public reply, never the internal note.
    portal = world.http(world.client_user).get(reverse("service:portal_request_detail", args=[request.pk]))
    assert "Please restart the service" in portal.content.decode()
    assert "Checking logs" not in portal.content.decode()


def test_bad_update_is_a_form_error(world):
    request = SupportRequestFactory(project=world.project)
    response = world.http(world.member).post(
        reverse("service:request_update", args=[request.pk]), {"status": "done", "priority": "high"}
    )
    assert response.status_code == 422
    request.refresh_from_db()
    assert request.status == RequestStatus.NEW


def test_member_cannot_touch_requests_of_other_projects(world):
    other = SupportRequestFactory(project=world.other_project)
    foreign = SupportRequestFactory(project=world.foreign_project)
    http = world.http(world.member)
    for request in (other, foreign):
        assert http.get(reverse("service:request_detail", args=[request.pk])).status_code == 404
        assert (
            http.post(reverse("service:request_reply", args=[request.pk]), {"body": "x"}).status_code == 404
        )
    assert not SupportReply.objects.exists()
    assert (
        world.http(world.admin).get(reverse("service:request_detail", args=[foreign.pk])).status_code == 404
    )


def test_client_raises_and_replies_in_the_portal(world):
    http = world.http(world.client_user)
    response = http.post(
        reverse("service:portal_request_create", args=[world.project.pk]),
        {
            "title": "Cannot log in",
            "description": "Since Monday",
            "priority": "urgent",
            "files": [SimpleUploadedFile("screen.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 30)],
        },
    )
    request = SupportRequest.objects.get()
    assert response.status_code == 302
    assert request.contact == world.contact and request.priority == "urgent"
    attachment = request.attachments.get()
    download = http.get(reverse("service:portal_attachment_download", args=[attachment.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    reply = http.post(reverse("service:portal_request_detail", args=[request.pk]), {"body": "Still broken"})
    assert reply.status_code == 302
    assert request.replies.get().from_client


def test_portal_refuses_bad_uploads_and_audits(world, settings):
    http = world.http(world.client_user)
    url = reverse("service:portal_request_create", args=[world.project.pk])
    mislabelled = http.post(
        url,
        {
            "title": "t",
            "description": "d",
            "priority": "low",
            "files": [SimpleUploadedFile("invoice.pdf", b"MZ\x90")],
        },
    )
    assert mislabelled.status_code == 422 and "not what its name says" in mislabelled.content.decode()
    settings.ACCORD_MAX_UPLOAD_BYTES = 100
    too_large = http.post(
        url,
        {
            "title": "t",
            "description": "d",
            "priority": "low",
            "files": [SimpleUploadedFile("big.pdf", PDF * 20)],
        },
    )
    assert too_large.status_code == 422 and "largest accepted" in too_large.content.decode()
    assert not SupportRequest.objects.exists() and not SupportAttachment.objects.exists()
    assert AuditEntry.objects.filter(verb="upload_refused", action="denied").count() == 2


def test_internal_attachments_are_not_downloadable_in_the_portal(world):
    request = SupportRequestFactory(project=world.project, contact=world.contact)
    note = SupportReplyFactory(request=request, internal=True)
    attachment = SupportAttachment(
        organization=world.org,
        request=request,
        reply=note,
        filename="n.txt",
        content_type="text/plain",
        size=1,
    )
    attachment.file.save("n.txt", SimpleUploadedFile("n.txt", b"x"), save=False)
    attachment.save()
    http = world.http(world.client_user)
    assert http.get(reverse("service:portal_attachment_download", args=[attachment.pk])).status_code == 404
    assert (
        world.http(world.member).get(reverse("service:attachment_download", args=[attachment.pk])).status_code
        == 200
    )


def test_training_flow(world):
    http = world.http(world.member)
    response = http.post(
        reverse("service:training_create", args=[world.project.pk]),
        {
            "topic": "Warehouse module",
            "starts_at": "2026-12-03T09:30",
            "duration_minutes": "120",
            "trainer": world.member.pk,
            "attendees": [world.contact.pk],
        },
    )
    assert response.status_code == 302
    session = world.project.training_sessions.get()
    bad = http.post(
        reverse("service:training_create", args=[world.project.pk]), {"topic": "x", "duration_minutes": "0"}
    )
    assert bad.status_code == 422
    http.post(
        reverse("service:training_material_add", args=[session.pk]),
        {"title": "Slides", "file": SimpleUploadedFile("slides.pdf", PDF)},
    )
    refused = http.post(
        reverse("service:training_material_add", args=[session.pk]),
        {"title": "Fake", "file": SimpleUploadedFile("slides.pdf", b"GIF89a....")},
    )
    assert refused.status_code == 422 and session.materials.count() == 1
    edit = http.post(
        reverse("service:training_edit", args=[session.pk]),
        {
            "topic": "Warehouse module II",
            "starts_at": "2026-12-04T09:30",
            "duration_minutes": "90",
            "attendees": [world.contact.pk],
        },
    )
    assert edit.status_code == 302
    client = world.http(world.client_user)
    page = client.get(reverse("service:portal_training_detail", args=[session.pk]))
    assert "Warehouse module II" in page.content.decode()
    material = session.materials.get()
    assert client.get(reverse("service:portal_material_download", args=[material.pk])).status_code == 200
    assert (
        client.post(reverse("service:portal_training_detail", args=[session.pk]), {"rating": "7"}).status_code
        == 422
    )
    client.post(
        reverse("service:portal_training_detail", args=[session.pk]), {"rating": "4", "comment": "Useful"}
    )
    assert TrainingFeedback.objects.get().rating == 4
    assert "Useful" in http.get(reverse("service:training_detail", args=[session.pk])).content.decode()


def test_portal_pages_of_other_projects_are_not_found(world):
    http = world.http(world.client_user)
    foreign_request = SupportRequestFactory(project=world.foreign_project)
    other_session = TrainingSessionFactory(project=world.other_project)
    for url in (
        reverse("service:portal_requests", args=[world.other_project.pk]),
        reverse("service:portal_request_create", args=[world.foreign_project.pk]),
        reverse("service:portal_request_detail", args=[foreign_request.pk]),
        reverse("service:portal_training", args=[world.foreign_project.pk]),
        reverse("service:portal_training_detail", args=[other_session.pk]),
    ):
        assert http.get(url).status_code == 404, url


def _fill(world, rows):
    for i in range(rows):
        request = SupportRequestFactory(project=world.project, contact=world.contact, assignee=world.member)
        SupportReplyFactory(request=request)
        session = TrainingSessionFactory(project=world.project, trainer=world.member, topic=f"Session {i}")
        session.attendees.add(world.contact)


@pytest.mark.parametrize("rows", [2, 50])
def test_list_query_counts(world, rows, django_assert_num_queries):
    _fill(world, rows)
    team = world.http(world.member)
    client = world.http(world.client_user)
    pages = [
        (team, reverse("service:queue"), 5),
        (team, reverse("service:project_support", args=[world.project.pk]), 8),
        (client, reverse("service:portal_requests", args=[world.project.pk]), 6),
        (client, reverse("service:portal_training", args=[world.project.pk]), 6),
    ]
    for http, url, _n in pages:
        http.get(url)
    for http, url, n in pages:
        with django_assert_num_queries(n):
            response = http.get(url)
        assert response.status_code == 200


def test_the_queue_filters_all_open_apart_from_the_open_status(world):
    for status in (RequestStatus.NEW, RequestStatus.OPEN, RequestStatus.RESOLVED):
        SupportRequestFactory(project=world.project, title=f"Request {status}", status=status)
    http = world.http(world.member)
    everything_open = http.get(reverse("service:queue")).content.decode()
    assert "Request new" in everything_open and "Request open" in everything_open
    assert "Request resolved" not in everything_open
    assert '<option value="unresolved" selected>' in everything_open
    only_open = http.get(reverse("service:queue"), {"state": "open"}).content.decode()
    assert "Request open" in only_open and "Request new" not in only_open
    # One option is chosen, the status's, not "All open" as well.
    assert only_open.count(" selected>") == 1 and '<option value="open" selected>' in only_open
