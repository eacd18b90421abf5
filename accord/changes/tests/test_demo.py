"""Demo data of the needs, templates, risks and changes areas: loads, and loads again unchanged."""

from accord.changes import demo as changes_demo
from accord.changes.models import Baseline, ChangeRequest, ChangeStatus
from accord.core.demo import DemoContext
from accord.needs import demo as needs_demo
from accord.needs.models import Need
from accord.playbooks import demo as playbooks_demo
from accord.playbooks.models import ProjectTemplate
from accord.risks import demo as risks_demo
from accord.risks.models import ContingencyAction, Risk


def _load(ctx):
    for module in (needs_demo, playbooks_demo, risks_demo, changes_demo):
        module.load(ctx)


def test_demo_is_idempotent_and_skips_without_projects(world):
    _load(DemoContext())  # no demo projects: nothing but the templates
    assert not Risk.objects.exists() and ProjectTemplate.objects.filter(organization=None).count() >= 4
    ctx = DemoContext(projects={"erp": world.project})
    _load(ctx)
    counts = (
        Need.objects.count(),
        Risk.objects.count(),
        ContingencyAction.objects.count(),
        ChangeRequest.objects.count(),
    )
    _load(ctx)
    assert counts == (
        Need.objects.count(),
        Risk.objects.count(),
        ContingencyAction.objects.count(),
        ChangeRequest.objects.count(),
    )
    assert counts[1] == 3 and counts[2] == 3
    statuses = set(ChangeRequest.objects.values_list("status", flat=True))
    assert statuses == {ChangeStatus.APPROVED, ChangeStatus.ASSESSED}
    assert Baseline.objects.filter(project=world.project).count() == 2
