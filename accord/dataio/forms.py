from django import forms
from django.utils.translation import gettext_lazy as _

from accord.crm.models import Client

from .models import DuplicatePolicy


class UploadForm(forms.Form):
    default_client = forms.ModelChoiceField(
        label=_("Client for rows without one"),
        required=False,
        queryset=Client.objects.none(),
        help_text=_("Contacts and interactions whose row names no client go to this client."),
    )

    def __init__(self, *args, organization_id, kind, **kwargs):
        super().__init__(*args, **kwargs)
        if kind in ("contacts", "interactions"):
            self.fields["default_client"].queryset = Client.objects.filter(
                organization_id=organization_id
            ).order_by("name")
        else:
            del self.fields["default_client"]


class MappingForm(forms.Form):
    """One choice per column of the file: which field it fills (or none)."""

    duplicates = forms.ChoiceField(
        label=_("Duplicates"), choices=DuplicatePolicy.choices, widget=forms.RadioSelect, initial="skip"
    )

    def __init__(self, *args, run, spec, **kwargs):
        super().__init__(*args, **kwargs)
        labels = spec.column_labels()
        choices = [("", _("— do not import —"))] + [(c.key, labels[c.key]) for c in spec.columns]
        for index, header in enumerate(run.headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or _("column %(number)s") % {"number": index + 1},
                required=False,
                choices=choices,
                initial=run.mapping.get(str(index), ""),
            )
        self.fields["duplicates"].initial = run.duplicates

    def column_fields(self):
        return [self[name] for name in self.fields if name.startswith("col_")]

    def mapping(self) -> dict[str, str]:
        return {
            name.removeprefix("col_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("col_") and value
        }
