import pytest
from django.utils import translation

from accord.comms.tests.conftest import smtp_server  # noqa: F401  (a real SMTP server for the mail tests)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded files go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield
