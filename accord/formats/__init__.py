"""Accord's date and time formats per language (settings.FORMAT_MODULE_PATH).

Templates show dates only through the ``day`` and ``moment`` filters (accord/web/templatetags),
which use DATE_FORMAT and DATETIME_FORMAT from here; languages without a module here use Django's.
"""
