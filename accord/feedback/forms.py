from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.crm.models import Contact

from .models import QuestionKind, SurveyTemplate


class SurveyTemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=pgettext_lazy("switched on", "Active"), required=False, initial=True)
    wide_fields = ("description",)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Give the template a name."))
        return name


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=200, required=False)
    intro = forms.CharField(
        label=_("Introduction (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    intro_zh = forms.CharField(
        label=_("Introduction (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    valid_days = forms.IntegerField(
        label=_("Link valid for (days)"),
        min_value=1,
        max_value=365,
        initial=21,
        error_messages={
            "min_value": _("The link must be valid for 1 to 365 days."),
            "max_value": _("The link must be valid for 1 to 365 days."),
        },
    )
    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=SurveyTemplate.objects.none(),
        required=False,
        empty_label=_("Standard questions (CSAT, NPS, comments)"),
    )

    def __init__(self, *args, organization_id=None, with_template=True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_template:
            self.fields["template"].queryset = SurveyTemplate.objects.filter(
                organization_id=organization_id, is_active=True
            )
        else:
            del self.fields["template"]

    def clean(self):
        data = super().clean()
        if not (data.get("title") or "").strip() and not (data.get("title_zh") or "").strip():
            self.add_error("title", _("Give the survey a title."))
        return data


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("Question (English)"), max_length=500, required=False)
    text_zh = forms.CharField(label=_("Question (Chinese)"), max_length=500, required=False)
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)
    scale_max = forms.IntegerField(
        label=_("Highest rating"),
        min_value=2,
        max_value=10,
        initial=5,
        required=False,
        help_text=_("For ratings: from 1 to this number (2–10)."),
    )
    options_text = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For choice questions: one option per line, as “English | 中文”."),
    )
    wide_fields = ("options_text",)

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not (data.get("text_zh") or "").strip():
            self.add_error("text", _("Write the question, in English or Chinese or both."))
        return data


class SendForm(forms.Form):
    contacts = forms.ModelMultipleChoiceField(
        label=_("Client contacts to ask"),
        queryset=Contact.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one client contact to ask.")},
    )

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = (
            Contact.objects.filter(
                organization_id=project.organization_id, client_id=project.client_id, is_active=True
            )
            .exclude(email="")
            .order_by("last_name", "first_name", "id")
        )


class SettingForm(forms.Form):
    on_milestone = forms.BooleanField(label=_("Send a survey when a milestone is completed"), required=False)
    on_closeout = forms.BooleanField(label=_("Send a survey at close-out"), required=False)
    template = forms.ModelChoiceField(
        label=_("Survey template"),
        queryset=SurveyTemplate.objects.none(),
        required=False,
        empty_label=_("Standard questions (CSAT, NPS, comments)"),
    )

    def __init__(self, *args, organization_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = SurveyTemplate.objects.filter(
            organization_id=organization_id, is_active=True
        )
