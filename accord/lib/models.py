"""Abstract bases shared by every app's models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class TenantModel(TimeStamped):
    """A row owned by one organisation.

    ``organization_id`` is on every tenant table (children included) so that scoping is a
    single filter and the data can be distributed by organisation. Subclasses lead their
    composite indexes with it.
    """

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )

    class Meta:
        abstract = True
