"""Web forms of the communication hub: they check shape; services check rules and write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accord.crm.models import Client, Contact, ContactRole
from accord.lib.forms import DateInput
from accord.tenancy.members import team_members
from accord.tenancy.models import User

from .models import (
    CadenceKind,
    ChannelConfig,
    ChannelKind,
    PlanChannel,
    PlanItem,
    Weekday,
)
from .services import KNOWN_EVENTS


def _date_widget():
    return DateInput()


class PlanItemForm(forms.Form):
    purpose = forms.CharField(label=gettext_lazy("Purpose"), max_length=200)
    content_template = forms.CharField(
        label=gettext_lazy("Content"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What to cover each time (Markdown)."),
    )
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=PlanChannel.choices)
    audience_contacts = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Audience contacts"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    audience_roles = forms.MultipleChoiceField(
        label=gettext_lazy("Audience roles"),
        choices=ContactRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Everyone on the project with these roles."),
    )
    cadence = forms.ChoiceField(label=gettext_lazy("Cadence"), choices=CadenceKind.choices)
    weekday = forms.TypedChoiceField(
        label=gettext_lazy("Weekday"),
        choices=[("", "—"), *Weekday.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    interval = forms.IntegerField(label=gettext_lazy("Every N weeks"), min_value=1, max_value=52, initial=1)
    owner = forms.ModelChoiceField(label=gettext_lazy("Owner"), queryset=User.objects.none())
    start_date = forms.DateField(label=gettext_lazy("Start"), widget=_date_widget())
    end_date = forms.DateField(label=gettext_lazy("End"), required=False, widget=_date_widget())
    is_active = forms.BooleanField(label=pgettext_lazy("switched on", "Active"), required=False, initial=True)
    wide_fields = ("content_template", "audience_contacts", "audience_roles")

    def __init__(self, *args, project, member=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["audience_contacts"].queryset = Contact.objects.filter(
            organization_id=project.organization_id, client_id=project.client_id
        ).order_by("last_name", "first_name")
        self.fields["owner"].queryset = team_members(project.organization_id)
        self._offer_channels(project, member)

    def _offer_channels(self, project, member) -> None:
        """Only channels that can be used: a messaging tool needs a channel set up first (else
        "Send" would find none). An item's current channel stays offered when editing it."""
        from .selectors import plan_channels_available

        available = plan_channels_available(project)
        current = self.initial.get("channel")
        field = self.fields["channel"]
        field.choices = [(v, label) for v, label in PlanChannel.choices if v in available or v == current]
        missing = [label for v, label in PlanChannel.choices if v not in available]
        if not missing:
            return
        names = ", ".join(str(label) for label in missing)
        if member is not None and member.is_admin:
            field.help_text = format_html(
                '{} <a href="{}">{}</a>',
                _("%(names)s appear here once a channel is set up for them.") % {"names": names},
                reverse("comms:channels"),
                _("Set up channels"),
            )
        else:
            field.help_text = _("%(names)s appear here once an administrator sets up a channel for them.") % {
                "names": names
            }

    def clean_weekday(self):
        value = self.cleaned_data.get("weekday")
        if self.data.get(self.add_prefix("cadence")) == CadenceKind.WEEKLY and value is None:
            raise ValidationError(_("Choose the weekday."))
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end must be on or after the start."))
        return data

    @staticmethod
    def initial_for(item: PlanItem) -> dict:
        return {
            "purpose": item.purpose,
            "content_template": item.content_template,
            "channel": item.channel,
            "audience_contacts": list(item.audience_contacts.all()),
            "audience_roles": item.audience_roles,
            "cadence": item.cadence,
            "weekday": item.weekday,
            "interval": item.interval,
            "owner": item.owner,
            "start_date": item.start_date,
            "end_date": item.end_date,
            "is_active": item.is_active,
        }


class ResponsibilityForm(forms.Form):
    user = forms.ModelChoiceField(label=gettext_lazy("Our person"), queryset=User.objects.none())
    contact = forms.ModelChoiceField(label=gettext_lazy("Client contact"), queryset=Contact.objects.none())
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=PlanChannel.choices)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = team_members(project.organization_id)
        self.fields["contact"].queryset = Contact.objects.filter(
            organization_id=project.organization_id, client_id=project.client_id
        )


class PlanCopyForm(forms.Form):
    source = forms.ModelChoiceField(label=gettext_lazy("Copy the plan of"), queryset=None)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = projects


class TickForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("How the client was reached"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ChannelConfigForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=ChannelKind.choices)
    name = forms.CharField(label=gettext_lazy("name"), max_length=100)
    url = forms.CharField(
        label=gettext_lazy("webhook URL"),
        max_length=1000,
        required=False,
        help_text=gettext_lazy("The address the provider gave you (not for SMTP)."),
    )
    secret = forms.CharField(
        label=gettext_lazy("secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy(
            "Signing secret (DingTalk, Feishu), whsec_ key (generic webhook) or SMTP password. "
            "Stored encrypted; leave empty to keep the current one."
        ),
    )
    inbound_secret = forms.CharField(
        label=gettext_lazy("inbound signing secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy(
            "Slack signing secret, Feishu encrypt key or DingTalk app secret for replies."
        ),
    )
    smtp_host = forms.CharField(label=gettext_lazy("SMTP host"), max_length=255, required=False)
    smtp_port = forms.IntegerField(
        label=gettext_lazy("SMTP port"), min_value=1, max_value=65535, required=False
    )
    smtp_user = forms.CharField(label=gettext_lazy("SMTP user"), max_length=255, required=False)
    smtp_security = forms.ChoiceField(
        label=gettext_lazy("SMTP security"),
        required=False,
        choices=[("", gettext_lazy("None")), ("starttls", "STARTTLS"), ("ssl", "SSL/TLS")],
    )
    from_email = forms.CharField(label=gettext_lazy("sender address"), max_length=255, required=False)
    project = forms.ModelChoiceField(label=gettext_lazy("project for replies"), queryset=None, required=False)
    is_active = forms.BooleanField(label=gettext_lazy("active"), required=False, initial=True)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        from accord.projects.models import Project

        self.fields["project"].queryset = Project.objects.filter(organization=organization)

    def clean_url(self):
        from accord.lib import netguard

        url = self.cleaned_data.get("url", "").strip()
        if url:
            try:
                netguard.check_url_format(url)
            except netguard.UnsafeURL as exc:
                raise ValidationError(str(exc)) from None
        return url

    def clean_from_email(self):
        from email.utils import parseaddr

        from django.core.validators import validate_email

        value = self.cleaned_data.get("from_email", "").strip()
        if value:
            try:
                validate_email(parseaddr(value)[1])
            except ValidationError:
                raise ValidationError(_("Enter an address like Team <team@example.com>.")) from None
        return value

    @staticmethod
    def initial_for(config: ChannelConfig) -> dict:
        return {
            "kind": config.kind,
            "name": config.name,
            "url": config.url,
            "smtp_host": config.smtp_host,
            "smtp_port": config.smtp_port,
            "smtp_user": config.smtp_user,
            "smtp_security": config.smtp_security,
            "from_email": config.from_email,
            "project": config.project,
            "is_active": config.is_active,
        }


class WebhookSubscriptionForm(forms.Form):
    url = forms.CharField(label=gettext_lazy("URL"), max_length=1000)
    description = forms.CharField(label=gettext_lazy("description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=gettext_lazy("events"), choices=list(KNOWN_EVENTS.items()), widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=gettext_lazy("active"), required=False, initial=True)
    wide_fields = ("events",)


class TriageAssignForm(forms.Form):
    client = forms.ModelChoiceField(label=gettext_lazy("client"), queryset=None)
    project = forms.ModelChoiceField(label=gettext_lazy("project"), queryset=None, required=False)

    def __init__(self, *args, organization_id, **kwargs):
        super().__init__(*args, **kwargs)
        from accord.projects.models import Project

        self.fields["client"].queryset = Client.objects.filter(organization_id=organization_id)
        self.fields["project"].queryset = Project.objects.filter(organization_id=organization_id)


class ReminderPreferenceForm(forms.Form):
    channel_config = forms.ModelChoiceField(
        label=gettext_lazy("Remind me on"), queryset=None, required=False, empty_label=gettext_lazy("E-mail")
    )
    mention = forms.CharField(
        label=gettext_lazy("Mention"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Your handle there, e.g. @li.wei."),
    )

    def __init__(self, *args, organization_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel_config"].queryset = ChannelConfig.objects.filter(
            organization_id=organization_id, is_active=True
        ).exclude(kind=ChannelKind.EMAIL)


class ObligationSendForm(forms.Form):
    """What an obligation asks to send: recipients (e-mail) or a channel (IM), subject and text."""

    contacts = forms.MultipleChoiceField(
        label=gettext_lazy("To"), required=False, widget=forms.CheckboxSelectMultiple
    )
    channel_config = forms.ModelChoiceField(
        label=gettext_lazy("Channel"), queryset=ChannelConfig.objects.none(), required=False
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=300)
    body = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=gettext_lazy("Markdown. Drafted from the plan item's content; edit it as you like."),
    )
    wide_fields = ("contacts", "body")

    def __init__(self, *args, obligation, audience, channels, **kwargs):
        super().__init__(*args, **kwargs)
        if obligation.channel == "email":
            del self.fields["channel_config"]
            self.fields["contacts"].choices = [(str(c.pk), f"{c} <{c.email}>") for c in audience if c.email]
        else:
            del self.fields["contacts"]
            self.fields["channel_config"].queryset = channels
            self.fields["channel_config"].required = True
