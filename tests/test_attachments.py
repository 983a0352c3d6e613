"""H1 attachments: stored under MEDIA_ROOT, refused when too big or of a forbidden type, served only by permission."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import ContactAttachment
from tests.factories import BranchFactory, ContactHistoryFactory, CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def post_attachment(client, contact, upload):
    data = {
        "customer": contact.customer_id, "date": contact.date.isoformat(), "detail": contact.detail,
        "attachments-TOTAL_FORMS": "1", "attachments-INITIAL_FORMS": "0", "attachments-0-file": upload,
    }
    return client.post(reverse("admin:crm_contacthistory_change", args=[contact.pk]), data)


def test_h1_attachment_is_stored_and_downloaded(admin_client, hq_branch):
    contact = ContactHistoryFactory(customer=CustomerFactory(branch=hq_branch))
    response = post_attachment(admin_client, contact, SimpleUploadedFile("見積書.pdf", PDF, "application/pdf"))
    assert response.status_code == 302, response.content.decode()[:3000]
    attachment = ContactAttachment.objects.get()
    assert attachment.original_name == "見積書.pdf" and attachment.size == len(PDF)
    assert Path(settings.MEDIA_ROOT, attachment.file.name).is_file()
    assert "見積書" not in attachment.file.name  # stored under a random name

    download = admin_client.get(reverse("crm:attachment_download", args=[attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]


def test_h1_forbidden_type_and_oversize_are_refused_with_a_message(admin_client, hq_branch, settings):
    contact = ContactHistoryFactory(customer=CustomerFactory(branch=hq_branch))
    response = post_attachment(admin_client, contact, SimpleUploadedFile("virus.exe", b"MZ", "application/octet-stream"))
    assert response.status_code == 200
    assert ".exe 形式のファイルは添付できません" in response.content.decode()

    settings.ATTACHMENT_MAX_BYTES = 10
    response = post_attachment(admin_client, contact, SimpleUploadedFile("大きい.pdf", PDF, "application/pdf"))
    assert response.status_code == 200
    assert "ファイルが大きすぎます" in response.content.decode()
    assert not ContactAttachment.objects.exists()


def test_h1_attachment_of_another_branch_is_not_served(client, admin_client, hq_branch):
    osaka = BranchFactory(code="OSK", name="大阪支店")
    contact = ContactHistoryFactory(customer=CustomerFactory(branch=osaka))
    post_attachment(admin_client, contact, SimpleUploadedFile("契約書.pdf", PDF, "application/pdf"))
    attachment = ContactAttachment.objects.get()
    url = reverse("crm:attachment_download", args=[attachment.pk])

    shibuya_user = StaffFactory(username="shibuya", perms=["crm.view_customer", "crm.view_contacthistory"],
                                branches=[hq_branch])
    client.force_login(shibuya_user)
    assert client.get(url).status_code == 404

    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    assert client.get(settings.MEDIA_URL + attachment.file.name).status_code == 404  # no direct media serving


def test_h1_attachment_widget_links_to_the_checked_view_and_shows_the_size_with_its_unit(admin_client, hq_branch):
    contact = ContactHistoryFactory(customer=CustomerFactory(branch=hq_branch))
    post_attachment(admin_client, contact, SimpleUploadedFile("見積書.pdf", PDF * 40, "application/pdf"))
    attachment = ContactAttachment.objects.get()
    page = admin_client.get(reverse("admin:crm_contacthistory_change", args=[contact.pk])).content.decode()
    download = reverse("crm:attachment_download", args=[attachment.pk])
    assert f'href="{download}"' in page and settings.MEDIA_URL + attachment.file.name not in page
    assert f"{len(PDF) * 40 / 1024:.1f}\xa0KB" in page  # 1,920 bytes shown as 1.9 KB, with its unit
