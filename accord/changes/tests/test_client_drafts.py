"""A client contact's token never sees the team's draft change requests."""

from accord.changes.models import ChangeStatus
from accord.changes.tests.factories import ChangeRequestFactory


def _change(world, status):
    return ChangeRequestFactory(project=world.project, title=f"{status} change", status=status)


def test_client_token_lists_and_reads_only_submitted_requests(world):
    draft = _change(world, ChangeStatus.DRAFT)
    submitted = _change(world, ChangeStatus.SUBMITTED)
    client_api = world.api(world.client_user)
    listed = [item["id"] for item in client_api.get("/change-requests").json()["items"]]
    assert submitted.pk in listed and draft.pk not in listed
    assert client_api.get(f"/change-requests/{draft.pk}").status_code == 404
    assert client_api.get(f"/change-requests/{submitted.pk}").status_code == 200
    # the team still sees its drafts
    team_listed = [item["id"] for item in world.api(world.manager).get("/change-requests").json()["items"]]
    assert draft.pk in team_listed
