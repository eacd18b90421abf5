"""Who a published report goes to: the audience of the matching communication-plan item, each
contact in their own language; the client stakeholders only when no plan item matches."""

import datetime as dt
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.comms import obligations
from accord.comms.models import Event, Obligation, ObligationStatus, OutboxMessage
from accord.comms.tests.factories import PlanItemFactory
from accord.crm.models import ContactRole
from accord.projects.models import TaskStatus
from accord.reports import selectors, services
from accord.reports.models import StatusReport
from accord.testing import factories as f
from accord.testing.pdf import pdf_info

TODAY = timezone.localdate
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def _plan_item(world, *, purpose="Weekly status report", contacts=(), roles=(), **extra):
    item = PlanItemFactory(project=world.project, purpose=purpose, audience_roles=list(roles), **extra)
    item.audience_contacts.set(contacts)
    obligations.generate(item)
    return item


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


@pytest.fixture
def people(world):
    """An English contact named in the plan item, a Chinese sponsor reached through the item's
    role, a sponsor without an address; world.contact (a key user) is not in the audience."""
    english = f.ContactFactory(
        client=world.client, first_name="Anna", last_name="Berg", email="anna@client.example", language="en"
    )
    chinese = f.ContactFactory(
        client=world.client,
        first_name="Wei",
        last_name="Wang",
        name_local="王伟",
        email="wang@client.example",
        language="zh-hans",
        role=ContactRole.SPONSOR,
    )
    no_mail = f.ContactFactory(
        client=world.client, first_name="Bo", last_name="Chen", email="", role=ContactRole.SPONSOR
    )
    world.project.contacts.add(english, chinese, no_mail)
    return english, chinese, no_mail


@needs_pdftotext
def test_plan_audience_gets_one_mail_each_in_their_language(
    world, people, smtp, django_capture_on_commit_callbacks
):
    english, chinese, no_mail = people
    # The Chinese sponsor is named and holds the role: still one mail.
    item = _plan_item(world, contacts=[english, chinese], roles=[ContactRole.SPONSOR])
    f.TaskFactory(project=world.project, title="Install servers", status=TaskStatus.DONE, done_on=TODAY())
    report = services.status_report_draft(
        actor=world.as_member(world.manager), project=world.project, language="en"
    )
    services.status_report_update(
        actor=world.as_member(world.manager), report=report, data={"summary": "Cutover rehearsal went well."}
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.status_report_publish(actor=world.as_member(world.manager), report=report)

    by_to = {str(m["To"]): m for m in smtp.messages}
    assert sorted(by_to) == ["anna@client.example", "wang@client.example"]  # not li.na, not Bo
    en_mail, zh_mail = by_to["anna@client.example"], by_to["wang@client.example"]
    assert str(en_mail["Subject"]).strip().startswith("ERP rollout: status report ")
    assert str(zh_mail["Subject"]).strip().startswith("ERP rollout：项目状态报告 ")
    assert "is attached as a PDF" in en_mail.get_body(("plain",)).get_content()
    zh_text = zh_mail.get_body(("plain",)).get_content()
    assert "王伟 (Wei Wang)，您好" in zh_text and "项目状态报告（PDF）" in zh_text

    en_pdf, zh_pdf = (next(m.iter_attachments()) for m in (en_mail, zh_mail))
    assert en_pdf.get_filename().endswith("-en.pdf") and zh_pdf.get_filename().endswith("-zh.pdf")
    en_text, zh_text = _pdf_text(en_pdf.get_content()), _pdf_text(zh_pdf.get_content())
    for title in ("Status report", "Summary", "Progress", "Challenges", "Next steps", "Budget", "Tasks done"):
        assert title in en_text
    for title in ("项目状态报告", "概要", "进展", "当前挑战", "下一步计划", "预算", "总体状态", "已完成任务"):
        assert title in zh_text
    assert "概要" not in en_text and "Next steps" not in zh_text
    # Each attachment is one language throughout: its /Lang and title agree with its texts.
    en_info, zh_info = (pdf_info(a.get_content()) for a in (en_pdf, zh_pdf))
    assert en_info["Lang"] == "en" and "status report v1" in en_info["Title"]
    assert zh_info["Lang"] == "zh-CN" and "状态报告 v1" in zh_info["Title"]
    # The manager's text is kept as written in both.
    assert "Cutover rehearsal went well." in en_text and "Cutover rehearsal went well." in zh_text

    # Publishing met the item's obligation open today, with the report as the source.
    met = Obligation.objects.get(plan_item=item, met_source=f"reports.statusreport:{report.pk}")
    assert met.status == ObligationStatus.MET
    assert met.window_start <= TODAY() <= met.due_date + dt.timedelta(days=obligations.GRACE_DAYS)
    payload = Event.objects.get(name="report.published").payload
    assert payload["plan_item_id"] == item.pk and payload["recipients"] == 2


def test_without_a_matching_plan_item_the_stakeholders_get_it(world, people):
    english, chinese, no_mail = people
    # Not e-mail, not active, or neither naming a report nor due now: none of them matches.
    _plan_item(world, purpose="Status report in the weekly meeting", channel="meeting", contacts=[english])
    _plan_item(world, purpose="Monthly report", is_active=False, contacts=[english])
    _plan_item(
        world,
        purpose="Kick-off letter",
        cadence="once",
        rrule="FREQ=DAILY;COUNT=1",
        start_date=TODAY() + dt.timedelta(days=30),
        contacts=[english],
    )
    audience = selectors.report_audience(world.project)
    assert audience.plan_item is None
    assert [c.email for c in audience.recipients] == [
        "li.na@client.example",
        "anna@client.example",
        "wang@client.example",
    ]
    assert [(c, str(reason)) for c, reason in audience.skipped] == [(no_mail, "no e-mail address")]


def test_matching_prefers_a_report_purpose_then_an_obligation_due_now(world, people):
    english, chinese, _no_mail = people
    update = _plan_item(world, purpose="Weekly update", contacts=[english])
    # Same match as marking obligations met: an e-mail item with an obligation open today.
    assert selectors.report_plan_item(world.project) == update
    report_item = _plan_item(world, purpose="项目状态报告：进展、风险、待决事项", contacts=[chinese])
    assert selectors.report_plan_item(world.project) == report_item
    assert [c.email for c in selectors.report_audience(world.project).recipients] == ["wang@client.example"]


def test_an_item_naming_nobody_addresses_the_client_side_and_duplicates_are_skipped(world, people):
    english, _chinese, _no_mail = people
    twin = f.ContactFactory(
        client=world.client, first_name="Anna", last_name="B.", email="ANNA@client.example"
    )
    world.project.contacts.add(twin)
    _plan_item(world)
    audience = selectors.report_audience(world.project)
    assert [c.email.lower() for c in audience.recipients] == [
        "li.na@client.example",
        "anna@client.example",
        "wang@client.example",
    ]
    reasons = {c.pk: str(reason) for c, reason in audience.skipped}
    assert reasons[twin.pk] == "same address as Anna Berg"


def test_a_changed_list_is_refused_not_mailed(world, people):
    english, chinese, _no_mail = people
    item = _plan_item(world, contacts=[english])
    report = services.status_report_draft(actor=world.as_member(world.manager), project=world.project)
    seen = selectors.report_audience(world.project).fingerprint
    item.audience_contacts.add(chinese)
    with pytest.raises(ValidationError, match="recipients changed"):
        services.status_report_publish(actor=world.as_member(world.manager), report=report, audience=seen)
    report.refresh_from_db()
    assert report.status == "draft" and not OutboxMessage.objects.exists()
    fresh = selectors.report_audience(world.project).fingerprint
    assert fresh != seen
    services.status_report_publish(actor=world.as_member(world.manager), report=report, audience=fresh)
    assert sorted(OutboxMessage.objects.values_list("recipient", flat=True)) == [
        "anna@client.example",
        "wang@client.example",
    ]


# --- the draft's language ---------------------------------------------------------------------


def test_draft_is_written_in_the_clients_language_unless_another_is_chosen(world):
    world.client.language = "zh-hans"
    world.client.save()
    chinese = services.status_report_draft(actor=world.as_member(world.manager), project=world.project)
    assert chinese.language == "zh-hans"
    assert "本期没有活动。" in chinese.summary and chinese.title.startswith("项目状态报告 ")
    english = services.status_report_draft(
        actor=world.as_member(world.manager), project=world.project, language="en"
    )
    assert english.language == "en" and "No activity in this period." in english.summary
    with pytest.raises(ValidationError) as exc:
        services.status_report_draft(
            actor=world.as_member(world.manager), project=world.project, language="fr"
        )
    assert "language" in exc.value.message_dict
    assert StatusReport.objects.count() == 2


def test_scheduled_draft_follows_the_client_not_the_manager(world):
    world.client.language = "zh-hans"
    world.client.report_cadence = "weekly"
    world.client.save()
    world.manager.language = "en"
    world.manager.save()
    world.project.start_date = TODAY() - dt.timedelta(days=5)
    world.project.save()
    services.draft_due_reports(TODAY())
    report = StatusReport.objects.get(project=world.project)
    assert report.language == "zh-hans" and "本期没有活动。" in report.summary
    notice = world.manager.notifications.get()
    assert notice.title.startswith("A status report for ERP rollout")  # the manager's language


@pytest.mark.parametrize("rows", [2, 50])
def test_audience_query_count_is_flat(world, rows, django_assert_num_queries):
    named = [f.ContactFactory(client=world.client, language="zh-hans") for _ in range(rows)]
    sponsors = [f.ContactFactory(client=world.client, role=ContactRole.SPONSOR) for _ in range(rows)]
    world.project.contacts.add(*sponsors)
    _plan_item(world, contacts=named, roles=[ContactRole.SPONSOR])
    # The plan item with its obligation flags, its named contacts, the contacts holding its roles.
    with django_assert_num_queries(3):
        audience = selectors.report_audience(world.project)
    assert len(audience.recipients) == 2 * rows
