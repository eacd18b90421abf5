from django import template

register = template.Library()


@register.inclusion_tag("privacy/partials/deletion_banner.html", takes_context=True)
def deletion_banner(context):
    """A banner on every team page while the organisation's deletion is scheduled (loaded with
    the membership, so no query of its own)."""
    membership = context.get("membership")
    if membership is None or not getattr(membership, "is_team", False):
        return {"due_at": None}
    deletion = getattr(membership.organization, "pending_deletion", None)
    return {"due_at": deletion.due_at if deletion else None, "is_owner": membership.role == "owner"}
