"""Issue 24: an attachment upload on a full disk: a clear Japanese error, no partial file, no record."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.models import ContactAttachment
from tests.factories import ContactHistoryFactory, CustomerFactory
from tests.test_attachments import post_attachment

pytestmark = pytest.mark.django_db

BIG_PDF = b"%PDF-1.4\n" + b"0" * (200 * 1024)


def files_in(root) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()]


@pytest.fixture
def disk(settings, tmp_path):
    def use(backend: str):
        settings.MEDIA_ROOT = str(tmp_path / "media")  # this test's own: others leave their files in theirs
        settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": backend}}

    return use


def test_i24_disk_without_room_refuses_the_attachment_at_its_field(admin_client, hq_branch, disk, settings):
    # given a disk with 64 KB left
    disk("tests.storages.TinyDiskStorage")
    contact = ContactHistoryFactory(customer=CustomerFactory(branch=hq_branch))
    # when a 200 KB file is attached
    response = post_attachment(admin_client, contact, SimpleUploadedFile("図面.pdf", BIG_PDF, "application/pdf"))
    # then the card comes back with the reason at the file's field, and nothing was written
    body = response.content.decode()
    assert response.status_code == 200
    assert "空き容量がありません" in body and "何も保存されていません" in body
    assert not ContactAttachment.objects.exists()
    assert files_in(settings.MEDIA_ROOT) == []


def test_i24_disk_filling_during_the_write_leaves_no_partial_file_and_no_record(admin_client, hq_branch, disk,
                                                                               settings):
    # given a disk that fills after 64 KB of the file
    disk("tests.storages.FillingDiskStorage")
    contact = ContactHistoryFactory(customer=CustomerFactory(branch=hq_branch), detail="前の内容")
    admin_client.raise_request_exception = False
    # when a 200 KB file is attached with a change to the history
    response = post_attachment(admin_client, contact, SimpleUploadedFile("図面.pdf", BIG_PDF, "application/pdf"))
    # then a Japanese page says the disk is full, and nothing is half-written: no file, no record
    assert response.status_code == 507
    assert "空き容量" in response.content.decode()
    assert not ContactAttachment.objects.exists()
    assert files_in(settings.MEDIA_ROOT) == []
