from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accord.crm.models import Industry
from accord.lib.forms import DateInput
from accord.tenancy.members import team_members
from accord.tenancy.models import User

from .models import LessonCategory, Phase, RiskCategoryChoice


class CloseoutForm(forms.Form):
    actual_cost = forms.DecimalField(
        label=_("Actual cost"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("What the project actually cost, in the project's currency."),
        error_messages={"invalid": _("Enter the actual cost as a number, e.g. 125000.00.")},
    )
    commentary = forms.CharField(
        label=_("Manager's commentary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown."),
    )
    wide_fields = ("commentary",)


class RetrospectiveForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Held on"), widget=DateInput())
    went_well = forms.CharField(
        label=_("What went well"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    to_improve = forms.CharField(
        label=_("What to improve"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    wide_fields = ("went_well", "to_improve")

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError(_("Give the retrospective a title."))
        return title


class RetroActionForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    due_date = forms.DateField(label=_("Due"), required=False, widget=DateInput())

    def __init__(self, *args, organization_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = team_members(organization_id).filter(is_active=True)


class ApplyToTemplateForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Project template"), queryset=None)
    kind = forms.ChoiceField(
        label=_("Add as"), choices=[("risk", _("a risk on the checklist")), ("milestone", _("a milestone"))]
    )
    category = forms.ChoiceField(label=_("Risk category"), choices=RiskCategoryChoice, required=False)
    offset_days = forms.IntegerField(
        label=_("Milestone: days after the start"), required=False, min_value=0, max_value=3650
    )

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates

    def clean(self):
        data = super().clean()
        if data.get("kind") == "milestone" and data.get("offset_days") is None:
            self.add_error("offset_days", _("Say how many days after the start the milestone falls."))
        return data


class LessonForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    recommendation = forms.CharField(
        label=_("Recommendation"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    industry = forms.ChoiceField(
        label=_("Industry"), choices=[("", _("Any industry")), *Industry.choices], required=False
    )
    category = forms.ChoiceField(label=_("Category"), choices=LessonCategory.choices)
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
    tags = forms.CharField(
        label=_("Tags"), max_length=300, required=False, help_text=_("Separated by commas.")
    )
    wide_fields = ("description", "recommendation")

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError(_("Give the lesson a short title."))
        return title


class LessonSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    industry = forms.ChoiceField(
        label=_("Industry"), choices=[("", _("All")), *Industry.choices], required=False
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All")), *LessonCategory.choices], required=False
    )
    phase = forms.ChoiceField(label=_("Phase"), choices=[("", _("All")), *Phase.choices], required=False)
