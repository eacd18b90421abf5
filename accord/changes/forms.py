from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accord.crm.models import Contact
from accord.lib.forms import DateInput
from accord.needs.models import Need
from accord.projects.models import Milestone
from accord.risks.models import Risk

from .models import ChangeRequest


class ChangeRequestForm(forms.ModelForm):
    needs = forms.ModelMultipleChoiceField(
        label=_("Linked needs"), queryset=Need.objects.none(), required=False
    )

    class Meta:
        model = ChangeRequest
        fields = ["title", "requested_by", "requested_on", "description", "reason", "needs"]
        widgets = {
            "requested_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
            "reason": forms.Textarea(attrs={"rows": 2}),
        }

    wide_fields = ("title", "description", "reason")

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        org = project.organization_id
        self.fields["requested_by"].queryset = Contact.objects.filter(
            organization_id=org, client_id=project.client_id
        )
        self.fields["needs"].queryset = Need.objects.filter(organization_id=org, project=project)
        self.fields["requested_on"].required = False
        if self.instance.pk:
            self.initial["needs"] = [link.need_id for link in self.instance.need_links.all()]

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError(_("Give the change request a short title."))
        return title


class AssessmentForm(forms.Form):
    schedule_days = forms.IntegerField(label=_("Schedule impact (days)"), min_value=0, max_value=3650)
    effort_hours = forms.DecimalField(label=_("Effort (hours)"), min_value=0, max_digits=10, decimal_places=2)
    cost_amount = forms.DecimalField(label=_("Cost"), min_value=0, max_digits=14, decimal_places=2)
    affected_milestones = forms.ModelMultipleChoiceField(
        label=_("Affected milestones"),
        queryset=Milestone.objects.none(),
        required=False,
        help_text=_("These move by the schedule impact when the client approves."),
    )
    new_risks = forms.ModelMultipleChoiceField(
        label=_("New risks"), queryset=Risk.objects.none(), required=False
    )
    notes = forms.CharField(
        label=_("Assessment notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    wide_fields = ("notes",)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        org = project.organization_id
        self.fields["affected_milestones"].queryset = Milestone.objects.filter(
            organization_id=org, project=project
        )
        self.fields["new_risks"].queryset = Risk.objects.filter(organization_id=org, project=project)
        self.fields["cost_amount"].label = _("Cost (%(currency)s)") % {"currency": project.currency}


class DecisionForm(forms.Form):
    """The team records a decision the client gave in writing."""

    contact = forms.ModelChoiceField(label=_("Client contact who decided"), queryset=Contact.objects.none())
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approved")), ("reject", _("Rejected"))],
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("Name as signed"), max_length=200, required=False)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = project.contacts.filter(organization_id=project.organization_id)
