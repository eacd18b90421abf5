from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.crm.models import Contact
from accord.lib.forms import DateTimeInput, IsoDatesMixin
from accord.projects.models import Project
from accord.tenancy.members import team_members
from accord.tenancy.models import User

from .models import Priority, RequestStatus, TrainingSession


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _files_field():
    return MultipleFileField(
        label=_("Attachments"),
        help_text=_("PDF, images, text, Office documents or ZIP; checked by their content."),
    )


class PortalSupportRequestForm(forms.Form):
    title = forms.CharField(label=_("Subject"), max_length=200)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea)
    files = _files_field()
    wide_fields = ("description", "files")

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Say in a few words what you need help with."))
        return title


class SupportRequestForm(PortalSupportRequestForm):
    contact = forms.ModelChoiceField(label=_("Requested by"), queryset=Contact.objects.none(), required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(
            organization_id=project.organization_id, client_id=project.client_id
        ).order_by("last_name", "first_name", "id")


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply"), widget=forms.Textarea)
    files = _files_field()
    wide_fields = ("body", "files")


class TeamReplyForm(ReplyForm):
    internal = forms.BooleanField(label=_("Internal note (not shown to the client)"), required=False)


class SupportUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=RequestStatus.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, organization_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = team_members(organization_id)


class TrainingSessionForm(IsoDatesMixin, forms.ModelForm):
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=DateTimeInput(),
    )

    class Meta:
        model = TrainingSession
        fields = ["topic", "starts_at", "duration_minutes", "location", "trainer", "attendees", "description"]

    wide_fields = ("description", "attendees")

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainer"].queryset = team_members(project.organization_id)
        self.fields["attendees"].queryset = Contact.objects.filter(
            organization_id=project.organization_id, client_id=project.client_id
        ).order_by("last_name", "first_name", "id")
        self.fields["attendees"].help_text = _("The client's people who attend.")

    def clean_duration_minutes(self):
        value = self.cleaned_data["duration_minutes"]
        if value is None or not 1 <= value <= 24 * 60:
            raise forms.ValidationError(_("The duration is between 1 and 1440 minutes."))
        return value

    def clean_starts_at(self):
        value = self.cleaned_data["starts_at"]
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class TrainingMaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    file = forms.FileField(label=_("File"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("url") and not data.get("file") and not self.errors:
            raise forms.ValidationError(_("Attach a file or give a link."))
        return data


class TrainingFeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        choices=[(5, _("5 – excellent")), (4, "4"), (3, "3"), (2, "2"), (1, _("1 – poor"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea, required=False)


# --- support by e-mail -----------------------------------------------------------------------


class MailOpenForm(forms.Form):
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none())
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects.select_related("client").order_by("code", "id")


class MailAddForm(forms.Form):
    request = forms.IntegerField(
        label=_("Support request number"), min_value=1, help_text=_("The number after # on the request.")
    )


class MoveForm(forms.Form):
    project = forms.ModelChoiceField(label=_("Move to project"), queryset=Project.objects.none())

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = (
            Project.objects.filter(
                organization_id=request.organization_id, client_id=request.project.client_id
            )
            .exclude(pk=request.project_id)
            .order_by("-start_date", "-id")
        )


class SupportMailboxForm(forms.Form):
    address = forms.EmailField(label=_("Address"), help_text=_("Mail sent to it opens support requests."))
    project = forms.ModelChoiceField(
        label=_("Project"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_("All projects (the sender's, or support+CODE@…)"),
    )
    priority = forms.ChoiceField(
        label=_("Priority of new requests"), choices=Priority.choices, initial="normal"
    )

    def __init__(self, *args, organization_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(organization_id=organization_id).order_by(
            "code"
        )
