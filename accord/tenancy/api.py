from ninja import Router, Schema

router = Router(tags=["account"])


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    language: str
    timezone: str
    organization_id: int
    organization: str
    role: str


@router.get("/me", response=MeOut, summary="Who the token or session belongs to")
def me(request):
    membership = request.auth
    user = membership.user
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "language": user.language,
        "timezone": user.timezone,
        "organization_id": membership.organization_id,
        "organization": membership.organization.name,
        "role": membership.role,
    }
