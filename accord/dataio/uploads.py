"""Uploads refused before they are read: by their declared length, and while streaming in."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload, TemporaryFileUploadHandler

# Room for the multipart envelope and the other form fields around the file.
ENVELOPE_BYTES = 16 * 1024


class CappedUploadHandler(FileUploadHandler):
    """Stops reading the body as soon as more than the upload limit has arrived."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.ACCORD_MAX_UPLOAD_BYTES:
            self.too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def declared_too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.ACCORD_MAX_UPLOAD_BYTES + ENVELOPE_BYTES


def read_upload(request, field: str = "file"):
    """The uploaded file, or None; ``(None, True)`` when it was too large. Call before request.POST."""
    if declared_too_large(request):
        return None, True
    capped = CappedUploadHandler(request)
    request.upload_handlers = [capped, TemporaryFileUploadHandler(request)]
    upload = request.FILES.get(field)
    if capped.too_large:
        return None, True
    return upload, False
