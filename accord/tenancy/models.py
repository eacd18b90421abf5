from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from accord.lib.dates import validate_timezone
from accord.lib.models import TenantModel, TimeStamped
from accord.lib.money import validate_currency


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class Organization(TimeStamped):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    default_language = models.CharField(_("default language"), max_length=10, default="en")
    default_timezone = models.CharField(
        _("default time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    default_currency = models.CharField(
        _("default currency"), max_length=3, default="EUR", validators=[validate_currency]
    )
    brand_color = models.CharField(_("brand colour"), max_length=7, default="#2952cc")
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    require_two_factor = models.BooleanField(
        _("require two-factor sign-in"),
        default=False,
        help_text=_("Team members must set up an authenticator app before they can work."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=10, blank=True, help_text=_("Empty: follow the browser.")
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_timezone])
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("operator"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=dj_timezone.now)
    calendar_token = models.CharField(max_length=64, blank=True, db_index=True)
    # Two-factor sign-in (TOTP): the secret is encrypted (accord.lib.crypto); it counts once
    # ``two_factor_enabled_at`` is set; ``two_factor_last_step`` stops a code being used twice.
    two_factor_secret = models.CharField(max_length=255, blank=True)
    two_factor_enabled_at = models.DateTimeField(_("two-factor sign-in since"), null=True, blank=True)
    two_factor_last_step = models.BigIntegerField(default=0)
    # The version the profile form carries (accord.lib.versioning): a save from a stale tab is refused.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def has_two_factor(self) -> bool:
        return self.two_factor_enabled_at is not None


class RecoveryCode(TimeStamped):
    """A single-use two-factor recovery code; only its hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recoverycode_user_hash_unique")
        ]


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Project manager")
    MEMBER = "member", _("Team member")
    CLIENT = "client", _("Client contact")


TEAM_ROLES = (Role.OWNER, Role.ADMIN, Role.MANAGER, Role.MEMBER)
ADMIN_ROLES = (Role.OWNER, Role.ADMIN)


class Membership(TenantModel):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_org_user_unique"),
        ]
        indexes = [models.Index(fields=["organization", "role"], name="membership_org_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES

    @property
    def is_team(self) -> bool:
        return self.role in TEAM_ROLES

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT

    @property
    def can_manage_projects(self) -> bool:
        return self.role in (Role.OWNER, Role.ADMIN, Role.MANAGER)


class Invitation(TenantModel):
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    contact = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("contact"),
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["organization", "email"], name="invitation_org_email_idx")]

    def __str__(self) -> str:
        return self.email

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.expires_at > dj_timezone.now()


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiToken(TenantModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("access"), max_length=8, choices=TokenScope.choices, default=TokenScope.WRITE)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["organization", "user"], name="apitoken_org_user_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= dj_timezone.now()

    @property
    def read_only(self) -> bool:
        return self.scope == TokenScope.READ

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """A new raw token, its display prefix and its hash (only the hash is stored)."""
        raw = "acc_" + secrets.token_urlsafe(32)
        return raw, raw[:10], hash_token(raw)
