from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.crm.models import Client, Contact
from accord.risks.forms import team_users


class ContactChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        email = f" <{obj.email}>" if obj.email else ""
        return f"{obj.display_name}{email} · {obj.client.name}"


class ProjectFromTemplateForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.none())
    code = forms.CharField(label=_("Code"), max_length=30, help_text=_("Short and unique, e.g. ERP-2026."))
    name = forms.CharField(label=_("Name"), max_length=200)
    start_date = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs={"type": "date"}))
    manager = forms.ModelChoiceField(label=_("Project manager"), queryset=None, required=False)
    contacts = ContactChoiceField(
        label=_("Client stakeholders"),
        queryset=Contact.objects.none(),
        required=False,
        help_text=_("Contacts of the client on this project; they decide change requests in the portal."),
    )

    def __init__(self, *args, organization_id, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("start_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(organization_id=organization_id).order_by(
            "name"
        )
        self.fields["manager"].queryset = team_users(organization_id)
        self.fields["contacts"].queryset = (
            Contact.objects.filter(organization_id=organization_id)
            .select_related("client")
            .order_by("client__name", "id")
        )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code:
            raise ValidationError(_("Give the project a short code, e.g. ERP-2026."))
        return code


class SaveAsTemplateForm(forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
