from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.crm.models import Cadence, Channel, Client, Contact, ContactRole
from accord.lib.forms import DateInput
from accord.lib.money import currency_choices
from accord.needs.models import Priority
from accord.projects.forms import ProjectForm
from accord.risks.models import RiskCategory
from accord.tenancy.members import team_members
from accord.tenancy.models import Organization


class ContactChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        email = f" <{obj.email}>" if obj.email else ""
        return f"{obj.display_name}{email} · {obj.client.name}"


class ProjectFromTemplateForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.none())
    code = forms.CharField(label=_("Code"), max_length=30, help_text=_("Short and unique, e.g. ERP-2026."))
    name = forms.CharField(label=_("Name"), max_length=200)
    start_date = forms.DateField(label=_("Start"), widget=DateInput())
    manager = forms.ModelChoiceField(label=_("Project manager"), queryset=None, required=False)
    contacts = ContactChoiceField(
        label=_("Client stakeholders"),
        queryset=Contact.objects.none(),
        required=False,
        help_text=_("Contacts of the client on this project; they decide change requests in the portal."),
    )
    # The same fields as on the project form; the service checks them as project creation does.
    budget_amount = ProjectForm.base_fields["budget_amount"]
    currency = ProjectForm.base_fields["currency"]

    def __init__(self, *args, organization_id, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("start_date", timezone.localdate())
        if "currency" not in initial:
            initial["currency"] = (
                Organization.objects.filter(pk=organization_id)
                .values_list("default_currency", flat=True)
                .first()
            )
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [("", "—"), *currency_choices()]
        self.fields["client"].queryset = Client.objects.filter(organization_id=organization_id).order_by(
            "name"
        )
        self.fields["manager"].queryset = team_members(organization_id)
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


# --- editing a template item by item ---------------------------------------------------------

# Texts of template items are stored per language; the editor offers English and Chinese.
LANGUAGES = (("en", "en"), ("zh", "zh-hans"))
TEXT_MAX = 500


def _text(label, required=False, rows=None):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    return forms.CharField(label=label, max_length=TEXT_MAX, required=required, widget=widget)


class TemplateItemForm(forms.Form):
    """One item of a template's list. ``texts`` names the item's per-language texts, each shown
    as ``<name>_en`` and ``<name>_zh``; languages the editor does not offer are kept as they are."""

    texts: tuple[str, ...] = ()
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, item: dict | None = None, version: str = "", **kwargs):
        self.item = dict(item or {})
        initial = kwargs.setdefault("initial", {})
        for key, value in self.item.items():
            if key in self.texts:
                for suffix, lang in LANGUAGES:
                    initial.setdefault(f"{key}_{suffix}", (value or {}).get(lang, ""))
            else:
                initial.setdefault(key, value)
        initial.setdefault("version", version)
        super().__init__(*args, **kwargs)

    def item_data(self) -> dict:
        """The item as the service takes it (texts per language)."""
        data = {}
        parts = {f"{text}_{suffix}" for text in self.texts for suffix, _lang in LANGUAGES}
        for name, value in self.cleaned_data.items():
            if name != "version" and name not in parts:
                data[name] = value
        for text in self.texts:
            old = self.item.get(text)
            texts = (
                {k: v for k, v in old.items() if k not in dict(LANGUAGES).values()}
                if isinstance(old, dict)
                else {}
            )
            for suffix, lang in LANGUAGES:
                value = (self.cleaned_data.get(f"{text}_{suffix}") or "").strip()
                if value:
                    texts[lang] = value
            data[text] = texts
        return data

    def error_field(self, key: str) -> str:
        """The field a service error keyed like ``risks.3.probability`` belongs to."""
        name = key.rsplit(".", 1)[-1] if key.count(".") == 2 else key
        if name not in self.fields and f"{name}_en" in self.fields:
            name = f"{name}_en"
        return name


class MilestoneItemForm(TemplateItemForm):
    texts = ("name",)
    name_en = _text(_("Name (English)"))
    name_zh = _text(_("Name (Chinese)"))
    offset_days = forms.IntegerField(
        label=_("Day"), help_text=_("Days after the project start, from 0 to 3650.")
    )
    duration_days = forms.IntegerField(
        label=_("Duration (days)"),
        required=False,
        help_text=_("Optional; the project's planned end is at least this many days after the milestone."),
    )


class CommsItemForm(TemplateItemForm):
    texts = ("purpose",)
    purpose_en = _text(_("Purpose (English)"), rows=2)
    purpose_zh = _text(_("Purpose (Chinese)"), rows=2)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    cadence = forms.ChoiceField(label=_("Cadence"), choices=Cadence.choices)
    audience = forms.ChoiceField(label=_("Audience"), choices=ContactRole.choices)

    wide_fields = ("purpose_en", "purpose_zh")


class RiskItemForm(TemplateItemForm):
    texts = ("title", "mitigation", "triggers")
    title_en = _text(_("Title (English)"))
    title_zh = _text(_("Title (Chinese)"))
    category = forms.ChoiceField(label=_("Category"), choices=RiskCategory.choices)
    probability = forms.IntegerField(label=_("Probability (1–5)"))
    impact = forms.IntegerField(label=_("Impact (1–5)"))
    mitigation_en = _text(_("Mitigation (English)"), rows=2)
    mitigation_zh = _text(_("Mitigation (Chinese)"), rows=2)
    triggers_en = _text(_("Warning signs (English)"), rows=2)
    triggers_zh = _text(_("Warning signs (Chinese)"), rows=2)

    wide_fields = ("mitigation_en", "mitigation_zh", "triggers_en", "triggers_zh")


class NeedItemForm(TemplateItemForm):
    texts = ("title", "acceptance_criteria")
    title_en = _text(_("Title (English)"))
    title_zh = _text(_("Title (Chinese)"))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    acceptance_criteria_en = _text(_("Acceptance criteria (English)"), rows=2)
    acceptance_criteria_zh = _text(_("Acceptance criteria (Chinese)"), rows=2)

    wide_fields = ("acceptance_criteria_en", "acceptance_criteria_zh")


class DuplicateTemplateForm(TemplateItemForm):
    texts = ("name",)
    version = None
    name_en = _text(_("Name (English)"))
    name_zh = _text(_("Name (Chinese)"))
