"""Two schema classes with one name become one OpenAPI component: clients would then validate
one operation's answers against another operation's schema."""

import importlib
import inspect
from collections import defaultdict
from enum import Enum

from django.apps import apps
from pydantic import BaseModel


def _schema_classes():
    for config in apps.get_app_configs():
        if not config.name.startswith("accord."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.api")
        except ModuleNotFoundError:
            continue
        for obj in vars(module).values():
            if inspect.isclass(obj) and issubclass(obj, BaseModel) and obj.__module__.startswith("accord"):
                yield obj
                for field in obj.model_fields.values():
                    for candidate in (*getattr(field.annotation, "__args__", ()), field.annotation):
                        if inspect.isclass(candidate) and issubclass(candidate, BaseModel | Enum):
                            yield candidate


def test_schema_component_names_are_unique():
    # Two classes with one name become one component in the OpenAPI document: clients would
    # then validate one operation's answers against another operation's schema.
    by_name = defaultdict(set)
    for cls in _schema_classes():
        by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    clashes = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert not clashes, clashes
