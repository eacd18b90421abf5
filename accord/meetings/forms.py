from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accord.crm.models import Contact
from accord.lib.dates import validate_timezone, wall_time
from accord.lib.forms import DateInput, IsoDatesMixin, WallDateTimeField
from accord.tenancy.members import team_members
from accord.tenancy.models import User

from .models import MeetingKind, Recurrence


class MeetingForm(IsoDatesMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = WallDateTimeField(
        label=_("Start"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("In the meeting's time zone."),
    )
    timezone = forms.CharField(label=_("Time zone"), max_length=64, help_text=_("For example Asia/Shanghai."))
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=1440, initial=60
    )
    location = forms.CharField(label=_("Location"), max_length=300, required=False)
    video_url = forms.URLField(
        label=_("Video link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Zoom, Microsoft Teams or Tencent Meeting link."),
    )
    recurrence = forms.ChoiceField(label=_("Repeats"), choices=Recurrence.choices, required=False)
    recurrence_count = forms.IntegerField(label=_("Occurrences"), min_value=1, max_value=104, required=False)
    plan_item = forms.TypedChoiceField(
        label=_("Communication plan item"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("The meeting fulfils this item of the plan and repeats at its cadence."),
    )
    users = forms.ModelMultipleChoiceField(
        label=_("Our attendees"), queryset=User.objects.none(), required=False
    )
    contacts = forms.ModelMultipleChoiceField(
        label=_("Client attendees"), queryset=Contact.objects.none(), required=False
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=50_000
    )
    wide_fields = ("title", "description")

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            self.fields["users"].queryset = team_members(project.organization_id)
            self.fields["contacts"].queryset = Contact.objects.filter(
                organization_id=project.organization_id, client_id=project.client_id, is_active=True
            ).order_by("last_name", "first_name")
            self.fields["plan_item"].choices = [("", "—"), *plan_item_choices(project)]

    def clean_timezone(self):
        value = self.cleaned_data["timezone"].strip()
        validate_timezone(value)
        return value

    def clean(self):
        cleaned = super().clean()
        # The start is typed as a clock time in the meeting's zone, whatever the zone of the person typing.
        if cleaned.get("starts_at") and cleaned.get("timezone"):
            try:
                cleaned["starts_at"] = wall_time(cleaned["starts_at"], cleaned["timezone"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
        return cleaned

    def clean_contacts(self):
        contacts = self.cleaned_data["contacts"]
        missing = [str(c) for c in contacts if not c.email]
        if missing:
            raise ValidationError(
                _(
                    "%(names)s has no e-mail address, so no invitation can reach them. Add an address to the "
                    "contact or remove them from the attendees."
                ),
                params={"names": ", ".join(missing)},
            )
        return contacts


def plan_item_choices(project) -> list[tuple[int, str]]:
    """The project's communication-plan items, when the plan exists."""
    from django.apps import apps

    try:
        PlanItem = apps.get_model("comms", "PlanItem")
    except LookupError:
        return []
    items = PlanItem.objects.filter(organization_id=project.organization_id, project=project)
    return [(item.pk, str(item)) for item in items.order_by("id")[:100]]


class AgendaItemForm(IsoDatesMixin, forms.Form):
    title = forms.CharField(label=_("Topic"), max_length=300)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    minutes_allotted = forms.IntegerField(label=_("Minutes allotted"), min_value=1, max_value=480, initial=10)

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            self.fields["owner"].queryset = team_members(project.organization_id)


class DecisionForm(IsoDatesMixin, forms.Form):
    title = forms.CharField(label=_("Decision"), max_length=300)
    detail = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=50_000
    )
    client_visible = forms.BooleanField(label=_("Visible to the client"), required=False, initial=True)


class ActionItemForm(IsoDatesMixin, forms.Form):
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = forms.ChoiceField(label=_("Owner"))
    due_date = forms.DateField(label=_("Due"), required=False, widget=DateInput())

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")]
        if meeting is not None:
            for a in meeting.attendees.all():
                if a.user_id:
                    choices.append((f"u{a.user_id}", str(a.user)))
            for a in meeting.attendees.all():
                if a.contact_id:
                    choices.append((f"c{a.contact_id}", f"{a.contact} ({_('client')})"))
        self.fields["owner"].choices = choices

    def clean_owner(self):
        value = self.cleaned_data["owner"]
        if not value:
            raise ValidationError(_("Choose who owns this action."))
        return value

    def owner_data(self) -> dict:
        value = self.cleaned_data["owner"]
        key = "owner_id" if value.startswith("u") else "owner_contact_id"
        return {key: int(value[1:])}
