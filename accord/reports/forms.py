from django import forms
from django.utils.translation import gettext_lazy as _

from accord.lib.dates import validate_range
from accord.lib.forms import DateInput
from accord.projects.models import Rag

from .models import MAX_SECTION_CHARS, SECTIONS

# Each language named in itself, so whoever reads the list finds theirs.
DRAFT_LANGUAGE_CHOICES = [("en", "English"), ("zh-hans", "简体中文")]


class PeriodForm(forms.Form):
    period_start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    period_end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    language = forms.ChoiceField(
        label=_("Language"),
        choices=DRAFT_LANGUAGE_CHOICES,
        required=False,
        error_messages={"invalid_choice": _("Choose English or Simplified Chinese.")},
    )

    def clean(self):
        data = super().clean()
        validate_range(
            data.get("period_start"),
            data.get("period_end"),
            start_field="period_start",
            end_field="period_end",
        )
        return data


class ReportForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    rag = forms.ChoiceField(label=_("RAG status"), choices=Rag.choices)
    wide_fields = ("title",) + tuple(key for key, _label in SECTIONS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in SECTIONS:
            self.fields[key] = forms.CharField(
                label=label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 6}),
                max_length=MAX_SECTION_CHARS,
                error_messages={
                    "max_length": _(
                        "This section is too long (%(show_value)d characters; at most %(limit_value)d). "
                        "Shorten it or link to a document."
                    )
                },
            )
        self.fields["title"].widget.attrs["maxlength"] = 200
