"""REST API for the lessons offered when a project starts: list them with this project's take-up,
and take one up into the project's risks or acknowledge it (the services of the "lessons from
similar projects" page)."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Router, Schema

from accord.core.apikit import ERRORS
from accord.tenancy.access import org_get, project_for_user

from . import selectors, services
from .models import Lesson

router = Router(tags=["evaluation"])


class LessonUseOut(Schema):
    id: int
    lesson_id: int
    project_id: int
    kind: str = Field(..., description="risk or acknowledged.")
    risk_id: int | None = Field(..., description="The risk the lesson became, if it did.")


class LessonOfferOut(Schema):
    id: int
    title: str
    description: str
    recommendation: str
    industry: str
    category: str
    phase: str
    tags: str
    project_id: int | None = Field(..., description="The project the lesson was learned on.")
    use: LessonUseOut | None = Field(..., description="How this project took the lesson up, if it did.")


class TakeUpIn(Schema):
    kind: Literal["risk", "acknowledged"]


def _use_out(use) -> dict | None:
    if use is None:
        return None
    return {
        "id": use.pk,
        "lesson_id": use.lesson_id,
        "project_id": use.project_id,
        "kind": use.kind,
        "risk_id": use.risk_id,
    }


@router.get(
    "/projects/{project_id}/lessons-offered",
    response={200: list[LessonOfferOut], **ERRORS},
    summary="Lessons from similar projects, offered at project start",
)
def lesson_offer_list(request, project_id: int):
    project = project_for_user(request.auth, project_id)
    return [
        {
            "id": lesson.pk,
            "title": lesson.title,
            "description": lesson.description,
            "recommendation": lesson.recommendation,
            "industry": lesson.industry,
            "category": lesson.category,
            "phase": lesson.phase,
            "tags": lesson.tags,
            "project_id": lesson.project_id,
            "use": _use_out(lesson.use),
        }
        for lesson in selectors.lessons_for_project_start(project)
    ]


@router.post(
    "/projects/{project_id}/lessons-offered/{lesson_id}",
    response={200: LessonUseOut, **ERRORS},
    summary="Take a lesson up: into the project's risks, or acknowledged",
)
def lesson_take_up(request, project_id: int, lesson_id: int, payload: TakeUpIn):
    member = request.auth
    project = project_for_user(member, project_id, write=True)
    lesson = org_get(member, Lesson.objects.all(), lesson_id)
    use = services.lesson_take_up(actor=member, project=project, lesson=lesson, kind=payload.kind)
    return _use_out(use)
