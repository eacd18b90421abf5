from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "accord.privacy"
    label = "privacy"
    verbose_name = _("Data protection")

    def ready(self):
        from accord.tenancy.middleware import MEMBERSHIP_RELATED

        if "organization__pending_deletion" not in MEMBERSHIP_RELATED:
            MEMBERSHIP_RELATED.append("organization__pending_deletion")  # the deletion banner

        from accord.core.scheduler import register_periodic

        register_periodic(
            "privacy.delete_organizations", "accord.privacy.services.organization_deletions_run", every=3600
        )
        register_periodic("privacy.retention", "accord.privacy.services.retention_apply", every=6 * 3600)
