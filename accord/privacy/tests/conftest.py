import pytest

from accord.ops.tests.conftest import data_dir, migrated_template  # noqa: F401 - fixtures, used by name


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads and exports of the tests go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
