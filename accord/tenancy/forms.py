from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accord.lib.dates import available_timezones, timezone_choices
from accord.lib.money import currency_choices

from .models import Organization, Role, TokenScope, User

MAX_LOGO_BYTES = 1024 * 1024


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    error_messages = {
        "invalid_login": _("That e-mail and password do not match an account. Check both and try again."),
        "inactive": _("This account is disabled."),
    }


# Interface languages, each named in itself; "en" (older preferences) reads as en-us.
INTERFACE_LANGUAGES = [("en-us", "English (US)"), ("en-gb", "English (UK)"), ("zh-hans", "简体中文")]


class ProfileForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Follow my browser")), *INTERFACE_LANGUAGES],
    )
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)

    class Meta:
        model = User
        fields = ["full_name", "language", "timezone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.initial.get("language") == "en":
            self.initial["language"] = "en-us"


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=[c for c in Role.choices if c[0] != Role.CLIENT])


class AcceptInvitationForm(forms.Form):
    """A name and a password for a new account; nothing to fill for someone already signed in
    with the invited address (``signed_in=True``)."""

    full_name = forms.CharField(label=_("Your name"), max_length=200)
    password = forms.CharField(
        label=_("Choose a password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:
            del self.fields["full_name"]
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What will use this token, e.g. “Reporting script”.")
    )
    scope = forms.ChoiceField(label=_("Access"), choices=TokenScope.choices, initial=TokenScope.READ)
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[
            ("", _("Never")),
            ("7", _("In 7 days")),
            ("30", _("In 30 days")),
            ("90", _("In 90 days")),
            ("365", _("In a year")),
        ],
    )


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class TwoFactorDisableForm(forms.Form):
    password = forms.CharField(
        label=_("Current password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args, roles=None, **kwargs):
        """``roles``: the roles the person editing may set (see ``services.ROLE_RULES``)."""
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields["role"].choices = [c for c in Role.choices if c[0] in roles]


class OrganizationCreateForm(forms.Form):
    """A new organisation: its defaults are asked, prefilled from the creator's browser."""

    name = forms.CharField(label=_("Name of the organisation"), max_length=200)
    default_language = forms.ChoiceField(label=_("Default language"), choices=INTERFACE_LANGUAGES)
    default_timezone = forms.ChoiceField(
        label=_("Default time zone"),
        required=False,
        choices=lambda: [("", _("The time zone of this browser"))] + timezone_choices(),
    )
    default_currency = forms.ChoiceField(label=_("Default currency"), choices=currency_choices)
    # Filled by tenancy/browser-timezone.js with the browser's IANA zone.
    browser_timezone = forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput(attrs={"data-browser-timezone": ""})
    )

    def __init__(self, *args, creator, **kwargs):
        super().__init__(*args, **kwargs)
        self.creator = creator

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the organisation's name."))
        return name

    def clean(self):
        cleaned = super().clean()
        browser = (cleaned.get("browser_timezone") or "").strip()
        if not cleaned.get("default_timezone"):
            known = browser in available_timezones()
            cleaned["default_timezone"] = browser if known else (self.creator.timezone or "UTC")
        cleaned.pop("browser_timezone", None)
        return cleaned


class ColorInput(forms.TextInput):
    input_type = "color"

    def use_required_attribute(self, initial):
        # A colour input always holds a colour; HTML allows no ``required`` on it.
        return False


class OrganizationForm(forms.ModelForm):
    default_language = forms.ChoiceField(
        label=_("Default language"), choices=[*INTERFACE_LANGUAGES, ("en", "English")]
    )
    default_timezone = forms.ChoiceField(label=_("Default time zone"), choices=timezone_choices)
    default_currency = forms.ChoiceField(label=_("Default currency"), choices=currency_choices)
    brand_color = forms.RegexField(
        label=_("Brand colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        widget=ColorInput(),
        error_messages={"invalid": _("Give a colour as #RRGGBB, for example #2952cc.")},
    )

    class Meta:
        model = Organization
        fields = ["name", "default_language", "default_timezone", "default_currency", "brand_color", "logo"]

    def clean_logo(self):
        return check_logo(self.cleaned_data.get("logo"))


def check_logo(logo):
    """A logo upload's size and image format (``forms.ImageField`` sets ``content_type`` from what
    Pillow found in the file, not from what the browser claimed)."""
    if logo and hasattr(logo, "size") and logo.size > MAX_LOGO_BYTES:
        raise forms.ValidationError(_("The logo must be at most 1 MB."))
    if logo and getattr(logo, "content_type", "image/png") not in (
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
    ):
        raise forms.ValidationError(_("Upload the logo as a PNG, JPEG, GIF or WebP image."))
    return logo


class LogoForm(forms.Form):
    """The logo alone, for the API's upload."""

    logo = forms.ImageField(label=_("Logo"))

    def clean_logo(self):
        return check_logo(self.cleaned_data.get("logo"))
