"""Contacts exported by Google Contacts and Outlook, with the headers those tools write: each
column is read by its meaning (a phone by its type), and a Chinese name is written family first
without a space."""

import csv
import io

import pytest

from accord.crm.models import Contact
from accord.dataio import services

from .conftest import upload


def _header(line: str) -> list[str]:
    return line.split(",")


# Google Contacts → Export → Google CSV (2024 layout).
GOOGLE_HEADER = _header(
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,"
    "Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,"
    "Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,"
    "E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,"
    "Phone 3 - Label,Phone 3 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - Street,"
    "Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,"
    "Address 1 - Extended Address,Website 1 - Label,Website 1 - Value"
)
# The older Google CSV (and what many tools still write): "Type" instead of "Label".
GOOGLE_OLD_HEADER = _header(
    "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,Additional Name Yomi,"
    "Family Name Yomi,Name Prefix,Name Suffix,Initials,Nickname,Short Name,Maiden Name,Birthday,Gender,"
    "Location,Billing Information,Directory Server,Mileage,Occupation,Hobby,Sensitivity,Priority,"
    "Subject,Notes,Language,Photo,Group Membership,E-mail 1 - Type,E-mail 1 - Value,Phone 1 - Type,"
    "Phone 1 - Value,Phone 2 - Type,Phone 2 - Value,Organization 1 - Type,Organization 1 - Name,"
    "Organization 1 - Yomi Name,Organization 1 - Title,Organization 1 - Department"
)
# Outlook → File → Open & Export → Export to a file → Comma Separated Values.
OUTLOOK_HEADER = _header(
    "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,Business Street,"
    "Business Street 2,Business Street 3,Business City,Business State,Business Postal Code,"
    "Business Country/Region,Home Street,Home City,Home State,Home Postal Code,Home Country/Region,"
    "Business Fax,Business Phone,Business Phone 2,Callback,Car Phone,Company Main Phone,Home Fax,"
    "Home Phone,Home Phone 2,ISDN,Mobile Phone,Other Fax,Other Phone,Pager,Primary Phone,Radio Phone,"
    "TTY/TDD Phone,Telex,Anniversary,Birthday,E-mail Address,E-mail Type,E-mail Display Name,"
    "E-mail 2 Address,E-mail 2 Type,E-mail 2 Display Name,Notes,Web Page"
)


def _csv(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(h, "") for h in header])
    return ("\ufeff" + out.getvalue()).encode()


def _import(world, name, content):
    member = world.memberships[world.admin.pk]
    run = services.import_run_create(actor=member, kind="contacts", upload=upload(name, content))
    run = services.import_run_configure(actor=member, run=run, mapping=run.mapping, duplicates="skip")
    run = services.import_run_execute(run_id=run.pk)
    assert run.rejected_count == 0 and run.created_count == 2, (run.error, run.rejected_count)
    return {c.email: c for c in Contact.objects.filter(organization=world.org, email__endswith="@huaxin.cn")}


def test_google_csv(world):
    content = _csv(
        GOOGLE_HEADER,
        [
            {
                "First Name": "晓东",
                "Last Name": "赵",
                "Phonetic First Name": "Xiaodong",
                "Phonetic Last Name": "Zhao",
                "Organization Name": "华信制造",
                "Organization Title": "IT 总监",
                "E-mail 1 - Label": "* Work",
                "E-mail 1 - Value": "zhao.xd@huaxin.cn",
                "Phone 1 - Label": "Mobile",
                "Phone 1 - Value": "+86 139 0000 1111",
                "Phone 2 - Label": "Work",
                "Phone 2 - Value": "+86 512 6688 0000",
                "Phone 3 - Label": "Work Fax",
                "Phone 3 - Value": "+86 512 6688 0001",
            },
            {
                "First Name": "Ann",
                "Last Name": "Lee",
                "Organization Name": "华信制造",
                "E-mail 1 - Value": "ann.lee@huaxin.cn",
                "Phone 1 - Label": "Work",
                "Phone 1 - Value": "+86 512 6688 0002 ::: +86 512 6688 0003",
                "Phone 2 - Label": "Home",
                "Phone 2 - Value": "+86 512 1234 5678",
            },
        ],
    )
    contacts = _import(world, "contacts.csv", content)
    zhao = contacts["zhao.xd@huaxin.cn"]
    assert (zhao.name_local, zhao.first_name, zhao.last_name) == ("赵晓东", "Xiaodong", "Zhao")
    assert (zhao.mobile, zhao.phone) == ("+86 139 0000 1111", "+86 512 6688 0000")
    assert (zhao.title, zhao.client.name) == ("IT 总监", "华信制造")
    lee = contacts["ann.lee@huaxin.cn"]
    assert (lee.name_local, lee.first_name, lee.last_name) == ("", "Ann", "Lee")
    assert (lee.phone, lee.mobile) == ("+86 512 6688 0002", "+86 512 1234 5678")


def test_old_google_csv_with_mobile_second(world):
    content = _csv(
        GOOGLE_OLD_HEADER,
        [
            {
                "Name": "晓东 赵",
                "Given Name": "晓东",
                "Family Name": "赵",
                "Organization 1 - Name": "华信制造",
                "E-mail 1 - Value": "zhao.xd@huaxin.cn",
                "Phone 1 - Type": "Work",
                "Phone 1 - Value": "0512-6688 0000",
                "Phone 2 - Type": "Mobile",
                "Phone 2 - Value": "139 0000 1111",
            },
            {
                "Name": "欧阳 娜",
                "Given Name": "娜",
                "Family Name": "欧阳",
                "Organization 1 - Name": "华信制造",
                "E-mail 1 - Value": "ouyang.na@huaxin.cn",
                "Phone 1 - Type": "Mobile",
                "Phone 1 - Value": "139 0000 2222",
            },
        ],
    )
    contacts = _import(world, "google.csv", content)
    zhao = contacts["zhao.xd@huaxin.cn"]
    assert (zhao.name_local, zhao.first_name, zhao.last_name) == ("赵晓东", "", "")
    assert (zhao.phone, zhao.mobile) == ("0512-6688 0000", "139 0000 1111")
    ouyang = contacts["ouyang.na@huaxin.cn"]
    assert (ouyang.name_local, ouyang.mobile, ouyang.phone) == ("欧阳娜", "139 0000 2222", "")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_outlook_csv(world, encoding):
    content = _csv(
        OUTLOOK_HEADER,
        [
            {
                "Title": "Mr.",
                "First Name": "晓东",
                "Last Name": "赵",
                "Company": "华信制造",
                "Job Title": "IT 总监",
                "Business Phone": "+86 512 6688 0000",
                "Mobile Phone": "+86 139 0000 1111",
                "Business Fax": "+86 512 6688 0001",
                "E-mail Address": "zhao.xd@huaxin.cn",
                "Notes": "周四下午方便",
            },
            {
                "First Name": "Ann",
                "Last Name": "Lee",
                "Company": "华信制造",
                "Mobile Phone": "+86 139 0000 3333",
                "E-mail Address": "ann.lee@huaxin.cn",
            },
        ],
    )
    content = content.decode("utf-8").lstrip("\ufeff").encode(encoding)
    contacts = _import(world, "outlook.csv", content)
    zhao = contacts["zhao.xd@huaxin.cn"]
    assert (zhao.name_local, zhao.first_name, zhao.last_name) == ("赵晓东", "", "")
    assert (zhao.phone, zhao.mobile) == ("+86 512 6688 0000", "+86 139 0000 1111")
    assert (zhao.title, zhao.notes) == ("IT 总监", "周四下午方便")
    lee = contacts["ann.lee@huaxin.cn"]
    assert (lee.first_name, lee.last_name, lee.mobile, lee.phone) == ("Ann", "Lee", "+86 139 0000 3333", "")
