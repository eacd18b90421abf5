import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads, reports and progress files of the tests go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(name: str, content: bytes | str, encoding: str = "utf-8") -> SimpleUploadedFile:
    if isinstance(content, str):
        content = content.encode(encoding)
    return SimpleUploadedFile(name, content)


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; a request in Chinese earlier must not leak into the next test."""
    from django.utils import translation

    with translation.override("en"):
        yield
