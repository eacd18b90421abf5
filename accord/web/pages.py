"""Page shapes shared by the apps' views (now in accord.core.ui)."""

from __future__ import annotations

from accord.core.ui import form_page

__all__ = ["form_page"]
