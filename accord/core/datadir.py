"""The data folder (``ACCORD_DATA_DIR``, by default ``data/`` beside the code) and what
``accord init`` puts in it. Settings only read it; nothing here needs Django set up, so the
commands and tests that start Accord processes on a fresh folder call ``init`` first.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    return Path(os.environ.get("ACCORD_DATA_DIR") or BASE_DIR / "data")


def key_from_environment() -> bool:
    return bool(os.environ.get("ACCORD_SECRET_KEY") or os.environ.get("ACCORD_SECRET_KEY_FILE"))


def init(folder: Path | None = None) -> list[str]:
    """Make the data folder, its static files folder and (unless the key comes from the
    environment, as in production) the development secret key. Idempotent: an existing key is
    kept, so sessions and stored secrets survive. Returns what it made."""
    folder = folder or data_dir()
    made = []
    for path in (folder, folder / "static"):
        if not path.is_dir():
            path.mkdir(parents=True, exist_ok=True)
            made.append(f"folder {path}")
    key = folder / "secret_key"
    if not key_from_environment() and not key.exists():
        key.touch(mode=0o600)
        key.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        made.append(f"secret key {key}")
    return made
