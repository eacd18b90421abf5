"""Checks for files clients and the team attach: size, and a type sniffed from the content.

The name's extension must agree with what the bytes are; the browser's content type is
ignored.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

_PDF = "application/pdf"
_PNG = "image/png"
_JPEG = "image/jpeg"
_GIF = "image/gif"
_WEBP = "image/webp"
_ZIP = "application/zip"
_TEXT = "text/plain"

# Extension -> (sniffed kind, content type served back).
ALLOWED = {
    "pdf": (_PDF, _PDF),
    "png": (_PNG, _PNG),
    "jpg": (_JPEG, _JPEG),
    "jpeg": (_JPEG, _JPEG),
    "gif": (_GIF, _GIF),
    "webp": (_WEBP, _WEBP),
    "txt": (_TEXT, "text/plain; charset=utf-8"),
    "log": (_TEXT, "text/plain; charset=utf-8"),
    "csv": (_TEXT, "text/csv; charset=utf-8"),
    "md": (_TEXT, "text/markdown; charset=utf-8"),
    "zip": (_ZIP, _ZIP),
    "docx": (_ZIP, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (_ZIP, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (_ZIP, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}


def max_upload_bytes() -> int:
    return int(getattr(settings, "ACCORD_MAX_UPLOAD_BYTES", 25 * 1024 * 1024))


def sniff(head: bytes) -> str | None:
    """What the first bytes of a file say it is (None: not a kind we accept)."""
    if head.startswith(b"%PDF-"):
        return _PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _PNG
    if head.startswith(b"\xff\xd8\xff"):
        return _JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return _GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return _WEBP
    if head.startswith(b"PK\x03\x04"):
        return _ZIP
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of the sample is still text.
            if exc.start < len(head) - 4:
                return None
        return _TEXT
    return None


def check_upload(upload, field: str = "file") -> tuple[str, str]:
    """Validate an uploaded file; returns (safe file name, content type) or raises ValidationError."""
    limit = max_upload_bytes()
    if upload.size > limit:
        raise ValidationError(
            {
                field: _("The file is %(size)s; the largest accepted is %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            }
        )
    if upload.size == 0:
        raise ValidationError({field: _("The file is empty. Choose the file again.")})
    name = get_valid_filename((upload.name or "").replace("\\", "/").rsplit("/", 1)[-1])[:150]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED:
        raise ValidationError(
            {
                field: _("Files of this type are not accepted. Attach one of: %(types)s.")
                % {"types": ", ".join(sorted(ALLOWED))}
            }
        )
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    expected, content_type = ALLOWED[extension]
    if sniff(head) != expected:
        raise ValidationError(
            {
                field: _(
                    "The file's content is not what its name says (.%(ext)s). Check the file and try again."
                )
                % {"ext": extension}
            }
        )
    return name, content_type
