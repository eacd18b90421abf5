from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accord.lib.dates import timezone_choices
from accord.lib.money import currency_choices

from .models import Organization, Role, User

MAX_LOGO_BYTES = 1024 * 1024


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    error_messages = {
        "invalid_login": _("That e-mail and password do not match an account. Check both and try again."),
        "inactive": _("This account is disabled."),
    }


class ProfileForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Follow my browser")), ("en", "English"), ("zh-hans", "简体中文")],
    )
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)

    class Meta:
        model = User
        fields = ["full_name", "language", "timezone"]


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


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args, roles=None, **kwargs):
        """``roles``: the roles the person editing may set (see ``services.ROLE_RULES``)."""
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields["role"].choices = [c for c in Role.choices if c[0] in roles]


class OrganizationForm(forms.ModelForm):
    default_language = forms.ChoiceField(
        label=_("Default language"), choices=[("en", "English"), ("zh-hans", "简体中文")]
    )
    default_timezone = forms.ChoiceField(label=_("Default time zone"), choices=timezone_choices)
    default_currency = forms.ChoiceField(label=_("Default currency"), choices=currency_choices)
    brand_color = forms.RegexField(
        label=_("Brand colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": _("Give a colour as #RRGGBB, for example #2952cc.")},
    )

    class Meta:
        model = Organization
        fields = ["name", "default_language", "default_timezone", "default_currency", "brand_color", "logo"]

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
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
