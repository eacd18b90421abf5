"""Access matrix rows for the audit trail API (see tests/access/spec.py)."""

from __future__ import annotations

from accord.testing import factories as f
from tests.access.spec import API_READ, Row


def _task(world, project):
    return f.TaskFactory(project=project, title="Matrix task")


ROWS = [
    # A project's object: whoever may see the project reads its trail; the rest get 404.
    Row(
        "GET /api/v1/audit",
        make=_task,
        path=lambda task: f"/api/v1/audit?object_type=projects.task&object_id={task.pk}",
        expect={**API_READ},
    ),
]
