from django import template

register = template.Library()


@register.inclusion_tag("privacy/partials/deletion_banner.html", takes_context=True)
def deletion_banner(context):
    """A banner on every team page while the organisation's deletion is scheduled (cached, so
    the pages' query counts do not grow)."""
    from accord.privacy.services import deletion_due_cached

    membership = context.get("membership")
    if membership is None or not getattr(membership, "is_team", False):
        return {"due_at": None}
    return {"due_at": deletion_due_cached(membership.organization), "is_owner": membership.role == "owner"}
