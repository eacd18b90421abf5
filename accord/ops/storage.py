"""Files written whole or not at all: data goes to a temporary file beside the target and is
moved into place with ``os.replace`` only once complete, so a full disk leaves no partial file
under a real name."""

from __future__ import annotations

import errno
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def write_file_atomically(path: Path, chunks: Iterable[bytes]) -> int:
    """Write ``chunks`` to ``path`` (replacing it). Returns the bytes written; on any error
    (including one raised by ``chunks``) nothing is left behind."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    written = 0
    try:
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view) :]
            written += len(chunk)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    return written


def storage_error_message(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return _(
            "The server's disk is full, so the file was not stored. "
            "Ask your administrator to free space, then try again."
        )
    return _(
        "The file could not be stored on the server. Try again; if it fails again, tell your administrator."
    )


class AtomicFileSystemStorage(FileSystemStorage):
    """Django's file storage, writing each upload atomically. A failure to write becomes a
    ValidationError with a translated message, which the services put on the form."""

    def _save(self, name, content):
        full_path = Path(self.path(name))
        directory = full_path.parent
        if self.directory_permissions_mode is not None:
            old_umask = os.umask(0o777 & ~self.directory_permissions_mode)
            try:
                directory.mkdir(parents=True, exist_ok=True)
            finally:
                os.umask(old_umask)
        else:
            directory.mkdir(parents=True, exist_ok=True)
        while full_path.exists():  # another upload took the name since it was chosen
            name = self.get_available_name(name)
            full_path = Path(self.path(name))
        if hasattr(content, "seek"):
            content.seek(0)
        try:
            write_file_atomically(full_path, content.chunks())
        except OSError as exc:
            logger.error("Storing %s failed: %s", name, exc)
            raise ValidationError(storage_error_message(exc)) from exc
        if self.file_permissions_mode is not None:
            os.chmod(full_path, self.file_permissions_mode)
        return str(name).replace("\\", "/")
