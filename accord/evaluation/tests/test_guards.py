"""Lessons and improvement actions: the pages ask the service's own guards
(``require_lesson_editor``, ``require_template_applier``) before they show or check a form."""

import pytest
from django.urls import reverse

from accord.evaluation import services
from accord.evaluation.models import Lesson


@pytest.mark.django_db
def test_someone_elses_lesson_is_refused_to_a_member_before_the_form(world):
    lesson = services.lesson_create(actor=world.as_member(world.manager), title="Freeze scope early")
    edit = reverse("evaluation:lesson_edit", args=[lesson.pk])
    delete = reverse("evaluation:lesson_delete", args=[lesson.pk])
    member = world.http(world.member)
    assert member.get(edit).status_code == 403
    assert member.post(edit, {"title": ""}).status_code == 403  # refused, not a 422 on the title
    assert member.get(delete).status_code == 403
    assert world.http(world.admin).get(edit).status_code == 200
    assert Lesson.objects.get(pk=lesson.pk).title == "Freeze scope early"
    own = services.lesson_create(actor=world.as_member(world.member), title="Write things down")
    assert member.get(reverse("evaluation:lesson_edit", args=[own.pk])).status_code == 200


@pytest.mark.django_db
def test_applying_an_action_to_a_template_is_refused_to_a_member_before_the_form(world):
    manager = world.as_member(world.manager)
    retro = services.retrospective_create(actor=manager, project=world.project, title="Sprint 3")
    action = services.retro_action_add(actor=manager, retro=retro, title="Add a data-freeze milestone")
    url = reverse("evaluation:action_apply", args=[action.pk])
    assert world.http(world.member).get(url).status_code == 403
    assert world.http(world.member).post(url, {"kind": "nonsense"}).status_code == 403
    assert world.http(world.manager).get(url).status_code == 200
