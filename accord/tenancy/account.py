"""A person's own account: password change and reset, two-factor sign-in (TOTP), and the
organisation-wide two-factor requirement. Services in the ``<entity>_<action>`` shape; each
validates, writes and audits (on every organisation the person belongs to) in one transaction."""

from __future__ import annotations

import secrets
import time

import pyotp
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accord.audit.services import audit_event, audit_update, snapshot
from accord.lib.crypto import decrypt, encrypt

from . import ratelimit
from .models import Membership, Organization, RecoveryCode, Role, User, hash_token

RECOVERY_CODE_COUNT = 10
TOTP_ISSUER = "Accord"
TWO_FACTOR_WINDOW_SECONDS = 15 * 60


class Throttled(Exception):
    """Too many attempts; ``retry_after`` seconds until the next window."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def _audit_account(user: User, verb: str) -> None:
    """Account events are recorded in each organisation the person belongs to."""
    for membership in Membership.objects.filter(user=user, is_active=True).select_related("user"):
        audit_event(user, membership, verb)


# --- passwords ------------------------------------------------------------------------------


@transaction.atomic
def user_set_password(*, user: User, password: str, verb: str = "password_changed") -> User:
    """Set a new password (validated). Every session signed in with the old one stops working:
    Django checks the password hash in each session; the caller keeps its own with
    ``update_session_auth_hash``."""
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    _audit_account(user, verb)
    return user


def password_reset_request(*, email: str, ip: str) -> None:
    """Mail a reset link when ``email`` belongs to an active account; otherwise do nothing.

    The caller answers the same either way. Requests are counted per address and per client
    IP whether or not the account exists, so the limits reveal nothing either.
    """
    email = User.objects.normalize_email(email or "").strip().lower()
    for key, limit in (
        (f"pwreset-ip:{ip}", settings.ACCORD_PASSWORD_RESET_PER_IP),
        (f"pwreset-account:{hash_token(email)}", settings.ACCORD_PASSWORD_RESET_PER_ACCOUNT),
    ):
        wait = ratelimit.hit(key, limit=limit, window=3600)
        if wait is not None:
            raise Throttled(wait)
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    membership = (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organization")
        .order_by("created_at", "pk")
        .first()
    )
    if membership is None:
        return  # no organisation to send through; nobody to serve either
    with transaction.atomic():
        _send_password_reset(user, membership.organization)
        audit_event(user, membership, "password_reset_requested")


def password_reset_url(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.BASE_URL + reverse("tenancy:password_reset_confirm", args=[uid, token])


def _send_password_reset(user: User, organization: Organization) -> None:
    from accord.core.hooks import outbox_email

    language = user.language or organization.default_language
    with translation.override(language):
        context = {
            "user": user,
            "url": password_reset_url(user),
            "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        }
        outbox_email(
            organization=organization,
            to=user.email,
            subject=_("Reset your Accord password"),
            text=render_to_string("tenancy/email/password_reset.txt", context),
            related=user,
        )


# --- two-factor sign-in ---------------------------------------------------------------------


def totp_for(user: User) -> pyotp.TOTP | None:
    secret = decrypt(user.two_factor_secret)
    return pyotp.TOTP(secret) if secret else None


def two_factor_uri(user: User) -> str:
    totp = totp_for(user)
    return totp.provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER) if totp else ""


@transaction.atomic
def two_factor_begin(*, user: User) -> str:
    """A fresh secret to enter in an authenticator app; it counts only once confirmed."""
    if user.has_two_factor:
        raise ValidationError(_("Two-factor sign-in is already on. Turn it off first to change the app."))
    secret = pyotp.random_base32()
    user.two_factor_secret = encrypt(secret)
    user.two_factor_last_step = 0
    user.save(update_fields=["two_factor_secret", "two_factor_last_step"])
    return secret


def _code_limit(user: User) -> dict:
    return {
        "key": f"2fa:{user.pk}",
        "limit": settings.ACCORD_TWO_FACTOR_ATTEMPTS,
        "window": TWO_FACTOR_WINDOW_SECONDS,
    }


def _refuse_when_throttled(user: User) -> None:
    """Wrong codes are counted per account; past the limit even a right code waits."""
    wait = ratelimit.peek(**_code_limit(user))
    if wait is not None:
        raise Throttled(wait)


def _count_wrong_code(user: User) -> None:
    ratelimit.hit(**_code_limit(user))


def _accept_totp(user: User, code: str) -> bool:
    """True when ``code`` is the app's current code (±30 s) and was not used before."""
    totp = totp_for(user)
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if totp is None or len(code) != 6:
        return False
    now_step = int(time.time()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if step > user.two_factor_last_step and secrets.compare_digest(totp.at(step * totp.interval), code):
            # Conditional update: of two requests with the same code only one wins.
            won = User.objects.filter(pk=user.pk, two_factor_last_step__lt=step).update(
                two_factor_last_step=step
            )
            if won:
                user.two_factor_last_step = step
                return True
    return False


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _accept_recovery_code(user: User, code: str) -> bool:
    normalised = _normalise_recovery(code)
    if len(normalised) != 10:
        return False
    return bool(
        RecoveryCode.objects.filter(user=user, code_hash=hash_token(normalised), used_at__isnull=True).update(
            used_at=timezone.now()
        )
    )


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = ["".join(secrets.choice(alphabet) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=hash_token(c)) for c in codes)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


@transaction.atomic
def two_factor_confirm(*, user: User, code: str) -> list[str]:
    """Turn two-factor sign-in on with a first code from the app; returns the recovery codes
    (shown once, stored hashed)."""
    if user.has_two_factor:
        raise ValidationError(_("Two-factor sign-in is already on."))
    if not user.two_factor_secret:
        raise ValidationError(_("Start the set-up first: the page shows the key for your app."))
    _refuse_when_throttled(user)
    if not _accept_totp(user, code):
        _count_wrong_code(user)
        raise ValidationError({"code": _("That code is not right. Enter the 6 digits your app shows now.")})
    user.two_factor_enabled_at = timezone.now()
    user.save(update_fields=["two_factor_enabled_at"])
    codes = _new_recovery_codes(user)
    _audit_account(user, "two_factor_enabled")
    return codes


def two_factor_verify(*, user: User, code: str) -> bool:
    """At sign-in: a current app code or an unused recovery code (which is then used up)."""
    _refuse_when_throttled(user)
    with transaction.atomic():
        if _accept_totp(user, code):
            return True
        if _accept_recovery_code(user, code):
            _audit_account(user, "recovery_code_used")
            return True
    _count_wrong_code(user)
    return False


@transaction.atomic
def two_factor_disable(*, user: User, password: str, code: str) -> User:
    """Turn two-factor sign-in off; needs the password and a current code (or a recovery code)."""
    if not user.has_two_factor:
        raise ValidationError(_("Two-factor sign-in is not on."))
    if not user.check_password(password or ""):
        raise ValidationError({"password": _("That is not your current password.")})
    if not two_factor_verify(user=user, code=code):
        raise ValidationError({"code": _("That code is not right. Enter the 6 digits your app shows now.")})
    required_by = Membership.objects.filter(
        user=user, is_active=True, organization__require_two_factor=True
    ).exclude(role=Role.CLIENT)
    if required_by.exists():
        raise ValidationError(
            _(
                "Your organisation requires two-factor sign-in; "
                "it cannot be turned off while you are a member."
            )
        )
    user.two_factor_secret = ""
    user.two_factor_enabled_at = None
    user.two_factor_last_step = 0
    user.save(update_fields=["two_factor_secret", "two_factor_enabled_at", "two_factor_last_step"])
    RecoveryCode.objects.filter(user=user).delete()
    _audit_account(user, "two_factor_disabled")
    return user


@transaction.atomic
def organization_set_two_factor(*, actor: Membership, required: bool) -> Organization:
    """Owners only: require (or stop requiring) two-factor sign-in of the team."""
    if actor.role != Role.OWNER:
        raise ValidationError(_("Only an owner can change whether two-factor sign-in is required."))
    if required and not actor.user.has_two_factor:
        raise ValidationError(_("Turn on two-factor sign-in for yourself first."))
    organization = Organization.objects.select_for_update().get(pk=actor.organization_id)
    before = snapshot(organization)
    organization.require_two_factor = required
    organization.save(update_fields=["require_two_factor", "updated_at"])
    audit_update(actor.user, organization, before)
    return organization
