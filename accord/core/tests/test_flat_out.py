"""FlatOut schemas are read by pydantic from plain attributes: a resolver on one would never be
called (ninja calls resolvers from the wrapper FlatOut leaves out)."""

import importlib

import pytest
from django.conf import settings
from ninja import Schema

from accord.core.schemas import FlatOut


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_flat_schema_has_a_resolver():
    importlib.import_module(settings.ROOT_URLCONF)  # every API module and its schemas
    flat = list(_subclasses(FlatOut))
    assert flat, "the API uses FlatOut schemas"
    assert {cls.__name__: sorted(cls._ninja_resolvers) for cls in flat if cls._ninja_resolvers} == {}


def test_a_flat_schema_reads_the_same_as_a_schema():
    class Thing:
        id = 7
        name = "验收"

    class Plain(Schema):
        id: int
        name: str

    class Flat(FlatOut):
        id: int
        name: str

    assert Flat.model_validate(Thing()).model_dump() == Plain.model_validate(Thing()).model_dump()
    with pytest.raises(ValueError):
        Flat.model_validate(type("Partial", (), {"id": 1})())
