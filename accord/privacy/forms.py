from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RetentionPolicy


class ConfirmEmailForm(forms.Form):
    confirm_email = forms.CharField(
        label=_("Type the person's e-mail address to confirm"), max_length=254, strip=True
    )

    def __init__(self, *args, expected: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_confirm_email(self):
        value = self.cleaned_data["confirm_email"]
        if value.casefold() != self.expected.casefold():
            raise forms.ValidationError(
                _("This is not the contact's e-mail address. Type it exactly as shown.")
            )
        return value


class ConfirmNameForm(forms.Form):
    confirm_name = forms.CharField(label=_("Type the organisation's name to confirm"), max_length=200)


class RetentionForm(forms.ModelForm):
    class Meta:
        model = RetentionPolicy
        fields = ["outbox_body_days", "closed_support_days"]
