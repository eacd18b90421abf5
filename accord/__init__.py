"""Accord: keep a project's client well served."""

__version__ = "0.1.0"
