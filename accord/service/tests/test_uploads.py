import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.service.uploads import check_upload, sniff

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("report.pdf", PDF, "application/pdf"),
        ("screen.PNG", PNG, "image/png"),
        ("notes.txt", "错误日志 line\n".encode(), "text/plain; charset=utf-8"),
        (
            "sheet.xlsx",
            b"PK\x03\x04" + b"\x00" * 30,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_accepted_files(name, content, expected):
    assert check_upload(SimpleUploadedFile(name, content, content_type="application/octet-stream")) == (
        name,
        expected,
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", PNG),  # an image named as a PDF
        ("photo.png", b"MZ\x90\x00" + b"\x00" * 40),  # a Windows program named as an image
        ("notes.txt", b"\x00\x01\x02binary"),
    ],
)
def test_mislabelled_files_are_refused(name, content):
    with pytest.raises(ValidationError) as exc:
        check_upload(SimpleUploadedFile(name, content, content_type="application/pdf"))
    assert "not what its name says" in str(exc.value)


def test_unknown_extension_and_empty_file_are_refused():
    with pytest.raises(ValidationError, match="not accepted"):
        check_upload(SimpleUploadedFile("setup.exe", b"MZ\x90\x00"))
    with pytest.raises(ValidationError, match="empty"):
        check_upload(SimpleUploadedFile("empty.txt", b""))


def test_too_large_is_refused(settings):
    settings.ACCORD_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(ValidationError, match="largest accepted"):
        check_upload(SimpleUploadedFile("big.pdf", PDF + b"0" * 2000))


def test_path_in_the_name_is_dropped():
    name, _type = check_upload(SimpleUploadedFile("../../etc/passwd.txt", b"root"))
    assert name == "passwd.txt"


def test_sniff_keeps_text_cut_in_a_character():
    assert sniff("中文".encode()[:-1]) == "text/plain"
