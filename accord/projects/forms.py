"""Web forms for projects, milestones and tasks. Rules live in services; forms shape input."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accord.core.ui import ListSelect
from accord.crm.models import Client, Contact
from accord.lib.forms import DateInput
from accord.lib.money import currency_choices
from accord.tenancy.members import team_members
from accord.tenancy.models import User

from .models import Milestone, MilestoneStatus, ProjectStatus, Rag, TaskKind, TaskStatus

# Service error keys → form field names.
FIELD_NAMES = {
    "client_id": "client",
    "manager_id": "manager",
    "team_ids": "team",
    "contact_ids": "contacts",
    "milestone_id": "milestone",
    "assignee_id": "assignee",
}


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name()


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name()


class StakeholderCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes with a search box; each shows the contact's role and e-mail address so that
    namesakes can be told apart. The list follows the chosen client (HTMX, ``choices_url``)."""

    template_name = "projects/widgets/stakeholders.html"
    option_template_name = "projects/widgets/stakeholder_option.html"
    choices_url = ""
    client_chosen = False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["choices_url"] = self.choices_url
        context["widget"]["client_chosen"] = self.client_chosen
        return context

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        contact = getattr(value, "instance", None)
        if contact is not None:
            option["contact"] = contact
        return option


class ContactMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class ProjectForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.none())
    code = forms.CharField(
        label=_("Code"), max_length=30, help_text=_("Short and unique, for example ERP-01.")
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    manager = UserChoiceField(label=_("Project manager"), queryset=User.objects.none())
    start_date = forms.DateField(label=_("Start"), widget=DateInput())
    end_date = forms.DateField(label=_("Planned end"), widget=DateInput())
    budget_amount = forms.DecimalField(
        label=_("Budget"), required=False, max_digits=14, decimal_places=2, min_value=0
    )
    currency = forms.ChoiceField(
        label=_("Currency"),
        required=False,
        help_text=_("Empty: the client’s currency."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=ProjectStatus.choices, initial=ProjectStatus.ACTIVE)
    rag = forms.ChoiceField(label=_("RAG status"), choices=Rag.choices, initial=Rag.GREEN)
    team = UserMultipleChoiceField(
        label=_("Team"),
        required=False,
        queryset=User.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    contacts = ContactMultipleChoiceField(
        label=_("Client stakeholders"),
        required=False,
        queryset=Contact.objects.none(),
        widget=StakeholderCheckboxes(),
        help_text=_("Contacts of the project’s client."),
        error_messages={
            "invalid_choice": _("Choose stakeholders among the contacts of this project’s client."),
        },
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: goals, scope, what the client expects."),
    )

    wide_fields = ("description",)

    def __init__(self, *args, organization_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(organization_id=organization_id).order_by(
            "name"
        )
        users = team_members(organization_id)
        self.fields["manager"].queryset = users
        self.fields["team"].queryset = users
        # Only the chosen client's contacts are offered (the list follows the client field).
        client_id = self.data.get("client") if self.is_bound else self.initial.get("client")
        try:
            client_id = int(getattr(client_id, "pk", client_id) or 0)
        except (TypeError, ValueError):
            client_id = 0
        self.fields["contacts"].queryset = (
            Contact.objects.filter(organization_id=organization_id, client_id=client_id)
            .select_related("client")
            .order_by("last_name", "first_name", "id")
        )
        widget = self.fields["contacts"].widget
        widget.choices_url = reverse("projects:stakeholder_choices")
        widget.client_chosen = bool(client_id)
        self.fields["currency"].choices = [("", "—"), *currency_choices()]

    def clean_code(self):
        return self.cleaned_data["code"].strip()

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The planned end must not be before the start."))
        client, contacts = data.get("client"), data.get("contacts")
        if client and contacts:
            strangers = [c for c in contacts if c.client_id != client.pk]
            if strangers:
                self.add_error(
                    "contacts", _("Choose stakeholders among the contacts of this project’s client.")
                )
        return data


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("open", _("Open")), *ProjectStatus.choices],
        widget=ListSelect,
    )
    client = forms.ModelChoiceField(
        label=_("Client"),
        required=False,
        queryset=Client.objects.none(),
        empty_label=_("All"),
        widget=ListSelect,
    )
    manager = UserChoiceField(
        label=_("Project manager"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("Anyone"),
        widget=ListSelect,
    )
    rag = forms.ChoiceField(
        label=_("RAG status"), required=False, choices=[("", _("All")), *Rag.choices], widget=ListSelect
    )

    def __init__(self, *args, organization_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the columns the options show: the lists are rendered on every view of the page.
        clients = Client.objects.filter(organization_id=organization_id).order_by("name")
        self.fields["client"].queryset = clients.only("pk", "name")
        # The widget's options straight from (id, name) rows (what a client's str() is): 2,000
        # model instances built for the options, then the field's normalising of 2,000 choices,
        # were a third of the page's time. The choice itself is checked against the queryset.
        self.fields["client"].widget.choices = [
            ("", self.fields["client"].empty_label),
            *clients.values_list("pk", "name"),
        ]
        self.fields["manager"].queryset = team_members(organization_id).only("pk", "full_name", "email")

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "status": data.get("status") or "",
            "client_id": data["client"].pk if data.get("client") else None,
            "manager_id": data["manager"].pk if data.get("manager") else None,
            "rag": data.get("rag") or "",
        }


class MilestoneForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    due_date = forms.DateField(label=_("Due"), widget=DateInput())
    status = forms.ChoiceField(
        label=_("Status"), choices=MilestoneStatus.choices, initial=MilestoneStatus.PLANNED
    )
    completed_on = forms.DateField(
        label=_("Completed on"), required=False, widget=DateInput(), help_text=_("Empty: today, when done.")
    )
    client_visible = forms.BooleanField(label=_("Visible to the client"), required=False, initial=True)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    wide_fields = ("description",)

    def clean_name(self):
        return self.cleaned_data["name"].strip()


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices, initial=TaskStatus.TODO)
    assignee = UserChoiceField(label=_("Assignee"), required=False, queryset=User.objects.none())
    due_date = forms.DateField(label=_("Due"), required=False, widget=DateInput())
    milestone = forms.ModelChoiceField(
        label=_("Milestone"), required=False, queryset=Milestone.objects.none()
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices, initial=TaskKind.TASK)
    estimate_hours = forms.DecimalField(
        label=_("Estimate (hours)"), required=False, min_value=0, max_digits=8, decimal_places=2
    )
    spent_hours = forms.DecimalField(
        label=_("Spent (hours)"), required=False, min_value=0, max_digits=8, decimal_places=2
    )
    client_visible = forms.BooleanField(label=_("Visible to the client"), required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Markdown."),
    )

    wide_fields = ("description",)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = team_members(project.organization_id)
        self.fields["milestone"].queryset = Milestone.objects.filter(
            organization_id=project.organization_id, project=project
        ).order_by("due_date", "id")

    def clean_title(self):
        return self.cleaned_data["title"].strip()


class TaskFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), ("open", _("Open")), *TaskStatus.choices]
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    milestone = forms.ChoiceField(label=_("Milestone"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[("", _("Board order")), ("due", _("Due, soonest first")), ("-due", _("Due, latest first"))],
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        users = team_members(project.organization_id)
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            ("none", _("Nobody")),
            *[(str(u.pk), u.get_full_name()) for u in users],
        ]
        self.fields["milestone"].choices = [
            ("", _("All")),
            ("none", _("No milestone")),
            *[
                (str(ms.pk), ms.name)
                for ms in Milestone.objects.filter(organization_id=project.organization_id, project=project)
            ],
        ]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "status": data.get("status") or "",
            "assignee_id": data.get("assignee") or None,
            "milestone_id": data.get("milestone") or None,
            "overdue": bool(data.get("overdue")),
        }
