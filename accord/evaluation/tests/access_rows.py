"""Access matrix rows for every health, close-out, retrospective and lessons page and API
operation (see tests/access/spec.py).

Client health and lessons learned are shared by the organisation's team (the member reaches
them beside ``other_project`` too); close-out evaluations and retrospectives follow their
project's rules (close-out changes need the project's manager).
"""

from __future__ import annotations

from django.urls import reverse

from accord.evaluation import services
from accord.evaluation.tests.factories import LessonFactory, RetroActionFactory, RetrospectiveFactory
from accord.playbooks.models import ProjectTemplate
from tests.access.spec import API_READ, TEAM_READ, TEAM_WRITE_FORM, Row

TABLES = (
    "evaluation.CloseoutEvaluation",
    "evaluation.Retrospective",
    "evaluation.RetroAction",
    "evaluation.Lesson",
)

LIST = {**TEAM_READ, "outsider": 200}
MANAGER_PAGE = {**TEAM_READ, "member": 403}
MANAGER_POST = {**TEAM_WRITE_FORM, "member": 403}
API_LIST = {**API_READ, "outsider": 200}
API_CREATE = {**API_READ, "member": 201, "manager": 201, "admin": 201}
API_MANAGE = {**API_READ, "member": 403}
API_DELETE = {**API_READ, "member": 204, "manager": 204, "admin": 204}
API_DELETE_MANAGE = {**API_READ, "member": 403, "manager": 204, "admin": 204}
CLIENT_FOREIGN_WEB = {"client": 302}  # the team-side redirect comes before any lookup
CLIENT_FOREIGN_API = {"client": 403}  # a client token is refused team operations before any lookup
SHARED = {"member": 200}


def _evaluation(world, project):
    services.evaluation_start(actor=world.manager_of(project), project=project)
    return project


def _retro(world, project):
    return RetrospectiveFactory(project=project)


def _action(world, project):
    return RetroActionFactory(retrospective=RetrospectiveFactory(project=project))


def _action_and_template(world, project):
    action = _action(world, project)
    action.template = ProjectTemplate.objects.create(
        organization=project.organization, key=f"matrix-{project.pk}", name={"en": "Matrix"}
    )
    return action


def _lesson(world, project):
    return LessonFactory(organization=project.organization, project=project, title="变更要书面确认")


def _project_with_lesson(world, project):
    """A project and a lesson of its organisation to offer when it starts."""
    project.lesson = LessonFactory(organization=project.organization, title="Freeze the pilot's scope")
    return project


def _lesson_form(_obj):
    return {"title": "Book key users early", "category": "planning", "phase": "planning", "industry": ""}


def _retro_form(_obj):
    return {"title": "Phase 1", "held_on": "2026-05-04", "went_well": "Speed", "to_improve": "Test data"}


def _p(name):
    return lambda p: reverse(f"evaluation:{name}", args=[p.pk])


ROWS = [
    # --- health
    Row("evaluation:at_risk", expect=LIST),
    Row(
        "evaluation:health_refresh",
        method="POST",
        expect={**MANAGER_POST, "outsider": 302},
        tables=("evaluation.HealthSnapshot",),
    ),
    Row(
        "evaluation:client_health",
        make=lambda w, p: p.client,
        path=_p("client_health"),
        expect=TEAM_READ,
        expect_other_project=SHARED,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "evaluation:project_health",
        make=lambda w, p: p,
        path=_p("project_health"),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    # --- close-out evaluation
    Row(
        "evaluation:closeout",
        make=lambda w, p: p,
        path=_p("closeout"),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "evaluation:closeout_start",
        method="POST",
        make=lambda w, p: p,
        path=_p("closeout_start"),
        expect=MANAGER_POST,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "evaluation:closeout_edit",
        make=_evaluation,
        path=_p("closeout_edit"),
        expect=MANAGER_PAGE,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "evaluation:closeout_edit",
        method="POST",
        make=_evaluation,
        path=_p("closeout_edit"),
        data=lambda p: {"actual_cost": "98000.50", "commentary": "客户满意，**按期**交付。"},
        expect=MANAGER_POST,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "evaluation:closeout_finalise",
        method="POST",
        make=_evaluation,
        path=_p("closeout_finalise"),
        expect=MANAGER_POST,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "evaluation:closeout_pdf",
        make=_evaluation,
        path=_p("closeout_pdf"),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    # --- retrospectives
    Row(
        "evaluation:project_retros",
        make=lambda w, p: p,
        path=_p("project_retros"),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "evaluation:retro_create",
        make=lambda w, p: p,
        path=_p("retro_create"),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "evaluation:retro_create",
        method="POST",
        make=lambda w, p: p,
        path=_p("retro_create"),
        data=_retro_form,
        expect=TEAM_WRITE_FORM,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "evaluation:retro_detail",
        make=_retro,
        path=_p("retro_detail"),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "evaluation:retro_edit",
        make=_retro,
        path=_p("retro_edit"),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "evaluation:retro_edit",
        method="POST",
        make=_retro,
        path=_p("retro_edit"),
        data=_retro_form,
        expect=TEAM_WRITE_FORM,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "evaluation:retro_delete",
        make=_retro,
        path=_p("retro_delete"),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "evaluation:retro_delete",
        method="POST",
        make=_retro,
        path=_p("retro_delete"),
        expect=TEAM_WRITE_FORM,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "evaluation:action_add",
        method="POST",
        make=_retro,
        path=_p("action_add"),
        data=lambda r: {"title": "Ask for test data in week 1", "due_date": "2026-06-01"},
        expect=TEAM_WRITE_FORM,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "evaluation:action_done",
        method="POST",
        make=_action,
        path=_p("action_done"),
        expect=TEAM_WRITE_FORM,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "evaluation:action_delete",
        method="POST",
        make=_action,
        path=_p("action_delete"),
        expect=TEAM_WRITE_FORM,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "evaluation:action_apply",
        make=_action_and_template,
        path=_p("action_apply"),
        expect=MANAGER_PAGE,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "evaluation:action_apply",
        method="POST",
        make=_action_and_template,
        path=_p("action_apply"),
        data=lambda a: {"template": a.template.pk, "kind": "risk", "category": "client_side"},
        expect=MANAGER_POST,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=(*TABLES, "playbooks.ProjectTemplate"),
    ),
    # --- lessons learned
    Row("evaluation:lesson_list", expect=LIST),
    Row("evaluation:lesson_create", expect=LIST),
    Row(
        "evaluation:lesson_create",
        method="POST",
        data=_lesson_form,
        expect={**TEAM_WRITE_FORM, "outsider": 302},
        tables=TABLES,
    ),
    Row(
        "evaluation:lesson_detail",
        make=_lesson,
        path=_p("lesson_detail"),
        expect=TEAM_READ,
        expect_other_project=SHARED,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "evaluation:lesson_edit",
        make=_lesson,
        path=_p("lesson_edit"),
        expect=MANAGER_PAGE,
        expect_other_project={"member": 403},
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "evaluation:lesson_edit",
        method="POST",
        make=_lesson,
        path=_p("lesson_edit"),
        data=_lesson_form,
        expect=MANAGER_POST,
        expect_other_project={"member": 403},
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "evaluation:lesson_delete",
        make=_lesson,
        path=_p("lesson_delete"),
        expect=MANAGER_PAGE,
        expect_other_project={"member": 403},
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "evaluation:lesson_delete",
        method="POST",
        make=_lesson,
        path=_p("lesson_delete"),
        expect=MANAGER_POST,
        expect_other_project={"member": 403},
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "evaluation:project_lessons",
        make=lambda w, p: p,
        path=_p("project_lessons"),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "evaluation:project_lessons_start",
        make=_project_with_lesson,
        path=_p("project_lessons_start"),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "evaluation:lesson_take_up",
        method="POST",
        make=_project_with_lesson,
        path=lambda p: reverse("evaluation:lesson_take_up", args=[p.pk, p.lesson.pk]),
        data=lambda p: {"kind": "risk"},
        expect=TEAM_WRITE_FORM,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=("evaluation.LessonUse", "risks.Risk"),
    ),
    Row("evaluation:lessons_similar", path=lambda w: reverse("evaluation:lessons_similar"), expect=LIST),
    # --- API: health
    Row(
        "GET /api/v1/clients/{client_id}/health",
        make=lambda w, p: p.client,
        path=lambda c: f"/api/v1/clients/{c.pk}/health",
        expect=API_READ,
        expect_other_project=SHARED,
        expect_foreign=CLIENT_FOREIGN_API,
    ),
    Row(
        "GET /api/v1/projects/{project_id}/health",
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/health",
        expect=API_READ,
        expect_foreign=CLIENT_FOREIGN_API,
    ),
    Row("GET /api/v1/health/at-risk", expect=API_LIST),
    # --- API: close-out evaluation
    Row(
        "GET /api/v1/projects/{project_id}/closeout-evaluation",
        make=_evaluation,
        path=lambda p: f"/api/v1/projects/{p.pk}/closeout-evaluation",
        expect=API_READ,
        expect_foreign=CLIENT_FOREIGN_API,
    ),
    Row(
        "POST /api/v1/projects/{project_id}/closeout-evaluation",
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/closeout-evaluation",
        expect={**API_MANAGE, "manager": 201, "admin": 201},
        expect_foreign=CLIENT_FOREIGN_API,
        tables=TABLES,
    ),
    Row(
        "PATCH /api/v1/projects/{project_id}/closeout-evaluation",
        make=_evaluation,
        path=lambda p: f"/api/v1/projects/{p.pk}/closeout-evaluation",
        data=lambda p: {"commentary": "Done", "actual_cost": "1200.00"},
        expect=API_MANAGE,
        expect_foreign=CLIENT_FOREIGN_API,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/projects/{project_id}/closeout-evaluation/finalise",
        make=_evaluation,
        path=lambda p: f"/api/v1/projects/{p.pk}/closeout-evaluation/finalise",
        expect=API_MANAGE,
        expect_foreign=CLIENT_FOREIGN_API,
        tables=TABLES,
    ),
    # --- API: retrospectives
    Row(
        "GET /api/v1/projects/{project_id}/retrospectives",
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/retrospectives",
        expect=API_READ,
        expect_foreign=CLIENT_FOREIGN_API,
    ),
    Row(
        "POST /api/v1/projects/{project_id}/retrospectives",
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/retrospectives",
        data=lambda p: {"title": "Phase 1", "went_well": "Speed"},
        expect=API_CREATE,
        expect_foreign=CLIENT_FOREIGN_API,
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/retrospectives/{retro_id}",
        make=_retro,
        path=lambda r: f"/api/v1/retrospectives/{r.pk}",
        expect=API_READ,
    ),
    Row(
        "PATCH /api/v1/retrospectives/{retro_id}",
        make=_retro,
        path=lambda r: f"/api/v1/retrospectives/{r.pk}",
        data=lambda r: {"to_improve": "Earlier test data"},
        expect=API_READ,
        tables=TABLES,
    ),
    Row(
        "DELETE /api/v1/retrospectives/{retro_id}",
        make=_retro,
        path=lambda r: f"/api/v1/retrospectives/{r.pk}",
        expect=API_DELETE,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/retrospectives/{retro_id}/actions",
        make=_retro,
        path=lambda r: f"/api/v1/retrospectives/{r.pk}/actions",
        data=lambda r: {"title": "Book key users", "due_date": "2026-06-01"},
        expect=API_CREATE,
        tables=TABLES,
    ),
    Row(
        "PATCH /api/v1/retro-actions/{action_id}",
        make=_action,
        path=lambda a: f"/api/v1/retro-actions/{a.pk}",
        data=lambda a: {"done": True},
        expect=API_READ,
        tables=TABLES,
    ),
    Row(
        "DELETE /api/v1/retro-actions/{action_id}",
        make=_action,
        path=lambda a: f"/api/v1/retro-actions/{a.pk}",
        expect=API_DELETE,
        tables=TABLES,
    ),
    # --- API: lessons learned
    Row("GET /api/v1/lessons", expect=API_LIST),
    Row(
        "POST /api/v1/lessons",
        data=lambda w: {"title": "经验：尽早确认关键用户", "category": "planning", "phase": "planning"},
        expect={**API_READ, "member": 201, "manager": 201, "admin": 201, "outsider": 201},
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/lessons/{lesson_id}",
        make=_lesson,
        path=lambda lesson: f"/api/v1/lessons/{lesson.pk}",
        expect=API_READ,
        expect_other_project=SHARED,
        expect_foreign=CLIENT_FOREIGN_API,
    ),
    Row(
        "PATCH /api/v1/lessons/{lesson_id}",
        make=_lesson,
        path=lambda lesson: f"/api/v1/lessons/{lesson.pk}",
        data=lambda lesson: {"recommendation": "Write it down"},
        expect=API_MANAGE,
        expect_other_project={"member": 403},
        expect_foreign=CLIENT_FOREIGN_API,
        tables=TABLES,
    ),
    Row(
        "DELETE /api/v1/lessons/{lesson_id}",
        make=_lesson,
        path=lambda lesson: f"/api/v1/lessons/{lesson.pk}",
        expect=API_DELETE_MANAGE,
        expect_other_project={"member": 403},
        expect_foreign=CLIENT_FOREIGN_API,
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/projects/{project_id}/lessons",
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/lessons",
        expect=API_READ,
        expect_foreign=CLIENT_FOREIGN_API,
    ),
]

# Lessons offered at project start, in the API: who may see the project reads them; who may
# change it takes one up.
ROWS += [
    Row(
        "GET /api/v1/projects/{project_id}/lessons-offered",
        make=_project_with_lesson,
        path=lambda p: f"/api/v1/projects/{p.pk}/lessons-offered",
        expect=API_READ,
        expect_foreign=CLIENT_FOREIGN_API,
    ),
    Row(
        "POST /api/v1/projects/{project_id}/lessons-offered/{lesson_id}",
        make=_project_with_lesson,
        path=lambda p: f"/api/v1/projects/{p.pk}/lessons-offered/{p.lesson.pk}",
        data=lambda p: {"kind": "risk"},
        expect=API_READ,
        expect_foreign=CLIENT_FOREIGN_API,
        tables=("evaluation.LessonUse", "risks.Risk"),
    ),
]
