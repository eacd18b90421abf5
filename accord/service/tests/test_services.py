import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accord.audit.models import AuditEntry
from accord.comms.models import Event, Notification, OutboxMessage
from accord.service import services
from accord.service.models import (
    Priority,
    RequestStatus,
    SupportAttachment,
    SupportRequest,
    TrainingFeedback,
)
from accord.service.tests.factories import SupportRequestFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db


def _m(world, user):
    return world.memberships[user.pk]


def test_client_raises_a_request_with_a_response_target(world):
    before = timezone.now()
    request = services.support_request_create(
        actor=_m(world, world.client_user),
        project=world.project,
        title="Export fails",
        description="The monthly export stops.",
        priority=Priority.URGENT,
        files=[SimpleUploadedFile("log.txt", b"trace")],
    )
    assert request.contact == world.contact and request.status == RequestStatus.NEW
    assert dt.timedelta(hours=4) <= request.first_response_due_at - before < dt.timedelta(hours=4, minutes=1)
    assert request.attachments.get().filename == "log.txt"
    # The project's manager and team are told; the event goes out; the write is audited.
    assert set(Notification.objects.values_list("user_id", flat=True)) == {world.manager.pk, world.member.pk}
    assert Event.objects.filter(name="support.requested").exists()
    assert AuditEntry.objects.filter(object_id=str(request.pk), action="create").exists()


@pytest.mark.parametrize(("priority", "hours"), [("low", 72), ("normal", 24), ("high", 8), ("urgent", 4)])
def test_response_target_per_priority(world, priority, hours):
    request = services.support_request_create(
        actor=_m(world, world.member), project=world.project, title="t", description="d", priority=priority
    )
    assert request.first_response_due_at - request.created_at == pytest.approx(
        dt.timedelta(hours=hours), abs=dt.timedelta(seconds=5)
    )


def test_bad_input_saves_nothing(world, settings):
    actor = _m(world, world.client_user)
    with pytest.raises(ValidationError) as exc:
        services.support_request_create(actor=actor, project=world.project, title=" ", description="d")
    assert "title" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.support_request_create(
            actor=actor, project=world.project, title="t", description="d", priority="critical"
        )
    settings.ACCORD_MAX_UPLOAD_BYTES = 10
    with pytest.raises(ValidationError):
        services.support_request_create(
            actor=actor,
            project=world.project,
            title="t",
            description="d",
            files=[SimpleUploadedFile("big.txt", b"x" * 100)],
        )
    with pytest.raises(ValidationError):
        services.support_request_create(
            actor=actor,
            project=world.project,
            title="t",
            description="d",
            files=[SimpleUploadedFile("scan.pdf", b"\x89PNG\r\n\x1a\n....")],
        )
    assert not SupportRequest.objects.exists() and not SupportAttachment.objects.exists()
    assert not Notification.objects.exists()


def test_team_contact_must_belong_to_the_client(world):
    with pytest.raises(ValidationError):
        services.support_request_create(
            actor=_m(world, world.member),
            project=world.project,
            title="t",
            description="d",
            contact=world.foreign_contact,
        )


def test_member_not_on_project_cannot_raise(world):
    with pytest.raises(PermissionDenied):
        services.support_request_create(
            actor=_m(world, world.member), project=world.other_project, title="t", description="d"
        )


def test_first_public_reply_is_the_first_response(world):
    request = SupportRequestFactory(project=world.project, contact=world.contact)
    member = _m(world, world.member)
    services.support_reply_add(actor=member, request=request, body="Looking at it", internal=True)
    request.refresh_from_db()
    assert request.first_response_at is None and request.status == RequestStatus.NEW
    reply = services.support_reply_add(actor=member, request=request, body="Fixed in 2.3")
    request.refresh_from_db()
    assert request.first_response_at == reply.created_at and request.status == RequestStatus.OPEN
    assert not request.sla_breached
    # The client is e-mailed about the public reply only.
    mails = OutboxMessage.objects.filter(recipient=world.client_user.email)
    assert mails.count() == 1 and "Fixed in 2.3" in mails.get().body_text


def test_client_reply_reopens_and_cannot_be_internal(world):
    request = SupportRequestFactory(
        project=world.project, contact=world.contact, status=RequestStatus.WAITING
    )
    client = _m(world, world.client_user)
    with pytest.raises(PermissionDenied):
        services.support_reply_add(actor=client, request=request, body="x", internal=True)
    services.support_reply_add(actor=client, request=request, body="Here is the file")
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN
    assert Notification.objects.filter(user=world.manager).exists()


def test_closed_request_takes_no_reply(world):
    request = SupportRequestFactory(project=world.project, status=RequestStatus.CLOSED)
    with pytest.raises(ValidationError):
        services.support_reply_add(actor=_m(world, world.client_user), request=request, body="again")


def test_sla_breach(world):
    late = SupportRequestFactory(
        project=world.project, first_response_due_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert late.sla_breached
    answered_late = SupportRequestFactory(
        project=world.project,
        first_response_due_at=timezone.now() - dt.timedelta(hours=2),
        first_response_at=timezone.now() - dt.timedelta(hours=1),
    )
    assert answered_late.sla_breached
    assert not SupportRequestFactory(project=world.project).sla_breached


def test_update_moves_target_and_resolves(world):
    request = SupportRequestFactory(project=world.project, contact=world.contact)
    member = _m(world, world.member)
    services.support_request_update(actor=member, request=request, priority=Priority.URGENT)
    request.refresh_from_db()
    assert request.first_response_due_at == request.created_at + dt.timedelta(hours=4)
    services.support_request_update(actor=member, request=request, status=RequestStatus.RESOLVED)
    request.refresh_from_db()
    assert request.resolved_at is not None
    assert Event.objects.filter(name="support.status_changed").exists()
    with pytest.raises(ValidationError):
        services.support_request_update(actor=member, request=request, status="done")
    with pytest.raises(PermissionDenied):
        services.support_request_update(actor=_m(world, world.client_user), request=request, status="closed")
    with pytest.raises(ValidationError):
        services.support_request_update(
            actor=member, request=request, assignee=world.client_user, assignee_set=True
        )


def test_training_session_and_feedback(world):
    member = _m(world, world.member)
    session = services.training_session_create(
        actor=member,
        project=world.project,
        topic="Month-end closing",
        starts_at=timezone.now(),
        trainer=world.member,
        attendees=[world.contact],
    )
    with pytest.raises(ValidationError):
        services.training_session_create(
            actor=member,
            project=world.project,
            topic="x",
            starts_at=timezone.now(),
            attendees=[world.foreign_contact],
        )
    with pytest.raises(ValidationError):
        services.training_session_create(
            actor=member,
            project=world.project,
            topic="x",
            starts_at=timezone.now(),
            trainer=world.client_user,
        )
    client = _m(world, world.client_user)
    for bad in (0, 6, "five"):
        with pytest.raises(ValidationError):
            services.training_feedback_give(actor=client, session=session, rating=bad)
    services.training_feedback_give(actor=client, session=session, rating=4, comment="Clear")
    services.training_feedback_give(actor=client, session=session, rating=5)
    assert TrainingFeedback.objects.get().rating == 5
    assert Notification.objects.filter(user=world.manager, title__contains="Month-end closing").exists()


def test_only_attendees_rate(world):
    session = TrainingSessionFactory(project=world.project)
    with pytest.raises(ValidationError):
        services.training_feedback_give(actor=_m(world, world.client_user), session=session, rating=3)


def test_material_needs_link_or_file(world):
    session = TrainingSessionFactory(project=world.project)
    member = _m(world, world.member)
    with pytest.raises(ValidationError):
        services.training_material_add(actor=member, session=session, title="Slides")
    with pytest.raises(ValidationError):
        services.training_material_add(
            actor=member, session=session, title="Slides", url="javascript:alert(1)"
        )
    material = services.training_material_add(
        actor=member,
        session=session,
        title="Slides",
        upload=SimpleUploadedFile("slides.pdf", b"%PDF-1.4 slides"),
    )
    assert material.size == 15 and material.content_type == "application/pdf"


def test_team_member_on_another_project_cannot_plan_training(world):
    with pytest.raises(PermissionDenied):
        services.training_session_create(
            actor=_m(world, world.member), project=world.other_project, topic="x", starts_at=timezone.now()
        )
