"""Redacting known values (a person's name, e-mail, phone …) out of text and JSON.

A value is replaced wherever it appears in a string, case-insensitively; Latin values only as
whole words. Latin values of fewer than four characters (a first name such as "Li" or "Ana") are
ignored: they would match common words and other people's names. The callers redact the
fields of the person's own records whole, so those short values go there. Values in other
scripts (李娜) are replaced wherever they appear.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MIN_SUBSTRING = 4


class Redactor:
    def __init__(self, values: Iterable[str], placeholder: str = "[erased]"):
        cleaned = {str(v).strip() for v in values if v is not None and str(v).strip()}
        cleaned = {v for v in cleaned if len(v) >= MIN_SUBSTRING or not v.isascii()}
        self.placeholder = placeholder
        self.values = cleaned
        self.exact = {v.casefold() for v in cleaned}
        long = sorted(cleaned, key=len, reverse=True)
        parts = []
        for value in long:
            escaped = re.escape(value)
            # Word boundaries for Latin words, so "Anna" does not eat into "Annals".
            if value[0].isascii() and value[0].isalnum():
                escaped = r"(?<![\w])" + escaped
            if value[-1].isascii() and value[-1].isalnum():
                escaped = escaped + r"(?![\w])"
            parts.append(escaped)
        self.pattern = re.compile("|".join(parts), re.IGNORECASE) if parts else None

    def __bool__(self) -> bool:
        return bool(self.exact)

    def text(self, value: str) -> str:
        if not value:
            return value
        if value.strip().casefold() in self.exact:
            return self.placeholder
        if self.pattern is None:
            return value
        return self.pattern.sub(self.placeholder, value)

    def data(self, value: Any) -> Any:
        """``value`` (JSON: dicts, lists, strings …) with every known value redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.data(v) for v in value]
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.data(v) for k, v in value.items()}
        return value

    def found_in(self, value: Any) -> bool:
        return self.data(value) != value
