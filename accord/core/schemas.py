from typing import Any

from ninja import Schema
from pydantic import model_validator


class FlatOut(Schema):
    """An output schema read straight from the object's attributes by pydantic (its
    ``from_attributes``), without ninja's wrapper around every attribute read: a third of the
    server's time for a page of 50. Its fields must be plain attributes, set before the object is
    returned (no resolvers, related managers or files, which only ninja's wrapper handles)."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler, info) -> Any:
        return handler(values)


class ErrorDetail(Schema):
    field: str
    message: str


class Error(Schema):
    message: str
    errors: list[ErrorDetail] = []
