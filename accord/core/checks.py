from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
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
