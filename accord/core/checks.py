from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

# Accord's own checks of the installation (the secret key).
INSTALLATION = "installation"

# The system checks the long-running and command-line processes that serve no pages run at their
# start (`accord worker`, `accord import`, `accord export`): those of the installation's
# configuration. The checks of the code itself (URLs, templates, models) load every view and
# build the API's schemas: about 0.8 s of CPU, more than half of a 10,000-row import from the
# command line, and a worker's start. `accord check` and the test suite run them.
CONFIGURATION_CHECKS = [Tags.caches, Tags.compatibility, Tags.files, Tags.translation, INSTALLATION]


@register(INSTALLATION)
def secret_key_check(app_configs, **kwargs):
    """Settings write no files: without ACCORD_SECRET_KEY the key is the one `accord init` made."""
    try:
        settings.SECRET_KEY  # noqa: B018 - reading it raises when it is empty
    except ImproperlyConfigured:
        return [
            Error(
                f"No secret key: {settings.DATA_DIR / 'secret_key'} does not exist.",
                hint="Run `accord init` (or `python manage.py init`), or set ACCORD_SECRET_KEY.",
                id="core.E001",
            )
        ]
    return []
