from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accord.lib.forms import DateInput, IsoDatesMixin
from accord.tenancy.members import team_members

from .models import SCALE, ContingencyAction, Risk, RiskCategory, RiskLevel, RiskStatus

SCALE_CHOICES = [(n, str(n)) for n in SCALE]


class RiskForm(IsoDatesMixin, forms.ModelForm):
    probability = forms.TypedChoiceField(label=_("Probability (1–5)"), choices=SCALE_CHOICES, coerce=int)
    impact = forms.TypedChoiceField(label=_("Impact (1–5)"), choices=SCALE_CHOICES, coerce=int)
    note = forms.CharField(
        label=_("Why the score changed"),
        required=False,
        max_length=300,
        help_text=_("Kept in the score history."),
    )

    class Meta:
        model = Risk
        fields = [
            "title",
            "category",
            "probability",
            "impact",
            "owner",
            "next_review_on",
            "description",
            "triggers",
            "mitigation",
            "client_visible",
        ]
        widgets = {
            "next_review_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "triggers": forms.Textarea(attrs={"rows": 2}),
            "mitigation": forms.Textarea(attrs={"rows": 3}),
        }

    wide_fields = ("title", "description", "triggers", "mitigation")

    def __init__(self, *args, organization_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = team_members(organization_id)
        if not self.instance.pk:
            del self.fields["note"]

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError(_("Give the risk a short title."))
        return title

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("note", None)
        return data


class ContingencyActionForm(IsoDatesMixin, forms.ModelForm):
    class Meta:
        model = ContingencyAction
        fields = ["description", "owner", "due_date"]
        widgets = {"due_date": DateInput()}

    def __init__(self, *args, organization_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = team_members(organization_id)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=RiskStatus.choices)


class ReviewForm(forms.Form):
    next_review_on = forms.DateField(label=_("Next review"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Review note"), required=False, max_length=500)


class RiskFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Active")), ("all", _("All")), *RiskStatus.choices]
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All")), *RiskCategory.choices]
    )
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("All")), *RiskLevel.choices])
    p = forms.TypedChoiceField(
        label=_("Probability"),
        required=False,
        choices=[("", "—"), *SCALE_CHOICES],
        coerce=int,
        empty_value=None,
    )
    i = forms.TypedChoiceField(
        label=_("Impact"), required=False, choices=[("", "—"), *SCALE_CHOICES], coerce=int, empty_value=None
    )
    owner = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
