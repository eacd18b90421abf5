import pytest
from django.core.cache import cache

from accord.crm.models import ContactRole


@pytest.fixture(autouse=True)
def _clean(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _stakeholder_decides(request):
    """The shared fixture's client contact decides for the client here (a decision maker); the
    tests of the approver rule make their own contacts with other roles."""
    if "world" in request.fixturenames:
        world = request.getfixturevalue("world")
        world.contact.role = ContactRole.DECISION_MAKER
        world.contact.save(update_fields=["role"])
