"""Colour contrast as WCAG 2 defines it: the brand colour is text (links) on white and the
background of white text (buttons), so it must reach 4.5:1 against white."""

from __future__ import annotations

import re

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_TEXT_CONTRAST = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """The relative luminance of ``#rrggbb`` (0 black … 1 white)."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_with_white(hex_colour: str) -> float:
    """The contrast ratio of ``#rrggbb`` against white, from 1 (white) to 21 (black)."""
    return 1.05 / (luminance(hex_colour) + 0.05)
