"""vCard exports, read back with vobject and checked byte by byte: N carries the family and given
name in the script they were entered in, and every line is folded at 75 octets (RFC 6350 §3.2)
without splitting a UTF-8 character."""

import pytest
import vobject
from django.urls import reverse

from accord.crm.models import Contact
from accord.dataio import services
from accord.dataio.exports import fold_line
from accord.testing import factories as f

from .conftest import upload

# 145 octets: Chinese (3 octets a character) and ASCII mixed, so a naive cut would split a character.
LONG_NOTE = "项目周会改到周四下午, call before 10:00; 客户希望先看演示版本 — " + "备注" * 12 + "x"


def _cards(world) -> tuple[bytes, dict]:
    response = world.http(world.admin).get(reverse("dataio:export", args=["contacts"]), {"format": "vcf"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    cards = {card.fn.value: card for card in vobject.readComponents(content.decode())}
    return content, cards


def _assert_folded(content: bytes) -> None:
    assert content.endswith(b"\r\n")
    for line in content.split(b"\r\n")[:-1]:
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # a fold never cuts a character in two


def test_the_note_is_145_octets():
    assert len(f"NOTE:{LONG_NOTE}".encode()) > 145


def test_names_in_the_script_entered_and_lines_folded_at_75_octets(world):
    f.ContactFactory(
        client=world.client, first_name="Xiaodong", last_name="Zhao", name_local="赵晓东", notes=LONG_NOTE
    )
    f.ContactFactory(client=world.client, first_name="晓东", last_name="钱", name_local="")
    f.ContactFactory(client=world.client, first_name="", last_name="", name_local="欧阳修")
    f.ContactFactory(client=world.client, first_name="Ann", last_name="Lee", name_local="")
    content, cards = _cards(world)
    _assert_folded(content)
    zhao = cards["赵晓东"]
    assert (zhao.n.value.family, zhao.n.value.given) == ("赵", "晓东")
    assert (zhao.x_phonetic_last_name.value, zhao.x_phonetic_first_name.value) == ("Zhao", "Xiaodong")
    assert zhao.note.value == LONG_NOTE
    qian = cards["钱晓东"]  # family name first, no space
    assert (qian.n.value.family, qian.n.value.given) == ("钱", "晓东")
    ouyang = cards["欧阳修"]
    assert (ouyang.n.value.family, ouyang.n.value.given) == ("欧阳", "修")
    lee = cards["Ann Lee"]
    assert (lee.n.value.family, lee.n.value.given) == ("Lee", "Ann")
    assert "N:;;;;" not in content.decode()


def test_round_trip_keeps_the_chinese_name_and_its_pinyin(world):
    f.ContactFactory(
        client=world.client, first_name="Xiaodong", last_name="Zhao", name_local="赵晓东", notes=LONG_NOTE
    )
    content, _cards_ = _cards(world)
    Contact.objects.filter(organization=world.other_org).delete()
    member = world.memberships[world.outsider.pk]
    run = services.import_run_create(actor=member, kind="contacts", upload=upload("c.vcf", content))
    run = services.import_run_configure(actor=member, run=run, mapping=run.mapping, duplicates="skip")
    run = services.import_run_execute(run_id=run.pk)
    assert run.rejected_count == 0, run.error
    copy = Contact.objects.get(organization=world.other_org, name_local="赵晓东")
    assert (copy.first_name, copy.last_name, copy.notes) == ("Xiaodong", "Zhao", LONG_NOTE)


def test_project_contacts_feed_is_folded_too(world):
    world.contact.notes = LONG_NOTE
    world.contact.name_local = "王伟"
    world.contact.save()
    response = world.http(world.member).get(reverse("dataio:project_contacts_vcf", args=[world.project.pk]))
    content = response.content
    _assert_folded(content)
    card = vobject.readOne(content.decode())
    assert card.n.value.family == "王" and card.note.value == LONG_NOTE


@pytest.mark.parametrize("text", ["a" * 200, "汉" * 80, "a" + "汉" * 80, "ab" + "😀" * 40, "short"])
def test_fold_line_keeps_octets_and_characters(text):
    folded = fold_line(text).encode()
    lines = folded.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    assert b"".join(line[1:] if n else line for n, line in enumerate(lines)).decode() == text
