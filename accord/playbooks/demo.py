"""The built-in project templates are part of the demo (and of every installation)."""

from accord.playbooks.services import builtin_templates_load


def load(ctx) -> None:
    builtin_templates_load()
