"""Secrets stored in the database (channel tokens, SMTP passwords, webhook keys), encrypted
with Fernet (AES-128-CBC + HMAC-SHA256).

The key comes from ``settings.FIELD_ENCRYPTION_KEY`` (a Fernet key, or any passphrase, which is
stretched) or, when that is empty, is derived from ``SECRET_KEY``. Changing the key makes the
stored secrets unreadable: ``decrypt`` then returns "" and the admin re-enters them.
"""

from __future__ import annotations

import base64
import hashlib
import logging

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

logger = logging.getLogger(__name__)

PREFIX = "fernet:"


def fernet_for(material: str, *, stretch: bool = False) -> Fernet:
    """The Fernet for key material: a Fernet key as is, any other passphrase stretched."""
    if not stretch:
        try:
            return Fernet(material.encode())
        except (ValueError, TypeError):
            pass  # a passphrase rather than a Fernet key: stretch it below
    digest = hashlib.pbkdf2_hmac("sha256", material.encode(), b"accord-field-encryption", 100_000)
    return Fernet(base64.urlsafe_b64encode(digest))


def _fernet() -> Fernet:
    if settings.FIELD_ENCRYPTION_KEY:
        return fernet_for(settings.FIELD_ENCRYPTION_KEY)
    return fernet_for(settings.SECRET_KEY, stretch=True)  # no key set: derived from SECRET_KEY


_CACHE: dict[str, Fernet] = {}


def _cached() -> Fernet:
    key = f"{settings.FIELD_ENCRYPTION_KEY}|{settings.SECRET_KEY}"
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _fernet()
    return _CACHE[key]


def encrypt(plain: str) -> str:
    """The stored form of ``plain`` ("" stays "")."""
    if not plain:
        return ""
    return PREFIX + _cached().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    """The plain secret, or "" when nothing is stored or the key changed."""
    if not stored:
        return ""
    token = stored[len(PREFIX) :] if stored.startswith(PREFIX) else stored
    try:
        return _cached().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        logger.warning("A stored secret could not be decrypted (was the encryption key changed?)")
        return ""


def readable(stored: str) -> bool:
    """True when ``stored`` is empty or decrypts with the current key."""
    if not stored:
        return True
    token = stored[len(PREFIX) :] if stored.startswith(PREFIX) else stored
    try:
        _cached().decrypt(token.encode("ascii"))
    except (InvalidToken, ValueError):
        return False
    return True


def reencrypt(stored: str, old: Fernet) -> str | None:
    """``stored`` re-encrypted with the current key; None when the old key cannot read it."""
    token = stored[len(PREFIX) :] if stored.startswith(PREFIX) else stored
    try:
        plain = old.decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        return None
    return encrypt(plain)
