from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accord.crm.models import Contact, Interaction
from accord.meetings.models import Meeting
from accord.projects.models import Milestone, Task

from .models import Need, NeedStatus, Priority


class NeedForm(forms.ModelForm):
    tasks = forms.ModelMultipleChoiceField(
        label=_("Linked tasks"), queryset=Task.objects.none(), required=False
    )

    class Meta:
        model = Need
        fields = [
            "title",
            "priority",
            "milestone",
            "source_contact",
            "source_interaction",
            "source_meeting",
            "business_goal",
            "description",
            "acceptance_criteria",
            "tasks",
        ]
        widgets = {
            "business_goal": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "acceptance_criteria": forms.Textarea(attrs={"rows": 3}),
        }

    wide_fields = ("title", "business_goal", "description", "acceptance_criteria")

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        org = project.organization_id
        self.fields["milestone"].queryset = Milestone.objects.filter(organization_id=org, project=project)
        self.fields["source_contact"].queryset = Contact.objects.filter(
            organization_id=org, client_id=project.client_id
        )
        self.fields["source_interaction"].queryset = Interaction.objects.filter(
            organization_id=org, client_id=project.client_id
        ).order_by("-occurred_at")
        self.fields["source_meeting"].queryset = Meeting.objects.filter(organization_id=org, project=project)
        self.fields["tasks"].queryset = Task.objects.filter(organization_id=org, project=project)
        if self.instance.pk:
            self.initial["tasks"] = [link.task_id for link in self.instance.task_links.all()]

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError(_("Give the need a short title."))
        return title

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("tasks", None)
        return data


class NeedStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=NeedStatus.choices)


class NeedFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *NeedStatus.choices]
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("All")), *Priority.choices]
    )

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}
