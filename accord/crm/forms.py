"""Web forms of the CRM. They check the shape of the input; the services check the rules and
write, so a form never saves by itself."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.lib.dates import timezone_choices
from accord.lib.forms import DateInput, DateTimeInput, IsoDatesMixin
from accord.lib.money import currency_choices
from accord.tenancy.access import projects_for_user
from accord.tenancy.members import team_members
from accord.tenancy.models import User

from .models import Client, ClientStatus, Contact, Industry, Interaction
from .services import normalize_tags


class ServiceModelForm(IsoDatesMixin, forms.ModelForm):
    """A ModelForm that validates its fields but leaves the instance alone: the service
    applies the changes (so the audit trail sees the values before and after)."""

    def _post_clean(self):
        pass


def _datetime_widget():
    return DateTimeInput()


def _date_widget():
    return DateInput()


class ClientForm(ServiceModelForm):
    timezone = forms.ChoiceField(label=gettext_lazy("Time zone"), choices=timezone_choices)
    currency = forms.ChoiceField(label=gettext_lazy("Currency"), choices=currency_choices)
    wide_fields = ("business", "goals", "priorities", "notes", "address")

    class Meta:
        model = Client
        fields = [
            "name",
            "status",
            "industry",
            "size",
            "website",
            "tags",
            "owner",
            "language",
            "timezone",
            "currency",
            "preferred_channel",
            "report_cadence",
            "business",
            "goals",
            "priorities",
            "address",
            "notes",
        ]
        widgets = {
            "business": forms.Textarea(attrs={"rows": 3}),
            "goals": forms.Textarea(attrs={"rows": 3}),
            "priorities": forms.Textarea(attrs={"rows": 3}),
            "address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "business": gettext_lazy("What the client does and for whom."),
            "goals": gettext_lazy("What they want to achieve with us."),
            "priorities": gettext_lazy("What matters most to them right now."),
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = team_members(organization.pk)
        if not self.instance.pk:
            self.initial.setdefault("currency", organization.default_currency)
            self.initial.setdefault("timezone", organization.default_timezone)
            self.initial.setdefault(
                "language", "zh-hans" if organization.default_language.startswith("zh") else "en"
            )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Enter the client’s name."))
        return name

    def clean_tags(self):
        return normalize_tags(self.cleaned_data.get("tags", ""))


class ClientFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Text"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status"))] + ClientStatus.choices,
    )
    industry = forms.ChoiceField(
        label=gettext_lazy("Industry"),
        required=False,
        choices=[("", gettext_lazy("Any industry"))] + Industry.choices,
    )
    tag = forms.CharField(label=gettext_lazy("Tag"), required=False, max_length=50)
    owner = forms.ModelChoiceField(
        label=gettext_lazy("Account owner"),
        required=False,
        queryset=User.objects.none(),
        empty_label=gettext_lazy("Anyone"),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = team_members(organization.pk)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"],
            "status": data["status"],
            "industry": data["industry"],
            "tag": data["tag"],
            "owner_id": data["owner"].pk if data["owner"] else None,
        }


class ContactForm(ServiceModelForm):
    timezone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        required=False,
        choices=lambda: [("", gettext_lazy("Same as the client"))] + timezone_choices(),
    )
    wide_fields = ("notes",)

    class Meta:
        model = Contact
        fields = [
            "name_local",
            "title",
            "first_name",
            "last_name",
            "role",
            "is_active",
            "email",
            "email_secondary",
            "phone",
            "mobile",
            "wechat",
            "wecom",
            "dingtalk",
            "feishu",
            "slack",
            "teams",
            "preferred_channel",
            "language",
            "timezone",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def clean_email(self):
        return self.cleaned_data.get("email", "").strip().lower()

    def clean(self):
        data = super().clean()
        if not (data.get("first_name") or data.get("last_name") or data.get("name_local")):
            self.add_error("last_name", _("Enter a name: a first or last name, or the name in Chinese."))
        return data


class InteractionForm(ServiceModelForm):
    occurred_at = forms.DateTimeField(
        label=gettext_lazy("When"),
        widget=_datetime_widget(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
        help_text=gettext_lazy("In your time zone."),
    )
    contacts = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Contacts"),
        required=False,
        queryset=Contact.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=gettext_lazy("People of this client who took part."),
    )
    wide_fields = ("summary", "body")

    class Meta:
        model = Interaction
        fields = [
            "kind",
            "channel",
            "direction",
            "occurred_at",
            "summary",
            "body",
            "contacts",
            "project",
            "sentiment",
            "follow_up_on",
            "follow_up_owner",
        ]
        widgets = {"follow_up_on": _date_widget(), "body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, member, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = Contact.objects.filter(
            organization_id=member.organization_id, client=client
        ).order_by("-is_active", "last_name", "first_name", "id")
        self.fields["project"].queryset = projects_for_user(member).filter(client=client).order_by("name")
        self.fields["follow_up_owner"].queryset = team_members(member.organization_id)
        self.fields["body"].widget.attrs.update(
            {
                "data-hx-post": reverse("crm:markdown_preview"),
                "data-hx-trigger": "input changed delay:400ms",
                "data-hx-target": "#body-preview",
                "data-hx-swap": "innerHTML",
            }
        )
        if self.instance.pk:
            self.initial.setdefault("contacts", list(self.instance.contacts.all()))

    def clean_summary(self):
        summary = self.cleaned_data["summary"].strip()
        if not summary:
            raise ValidationError(_("Enter a one-line summary."))
        return summary

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("contacts", None)
        return data
