"""W1 mail, exactly once: the outbox row is written with the handoff, sent after commit by a task
through Django's email backend (locmem here), marked sent with a conditional update. A retried or
crashed sender never sends twice; a mail server that is down leaves the mail waiting, retried."""

import datetime as dt

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.urls import reverse
from django.utils import timezone

from crm import roles
from tests.factories import ContactHistoryFactory, CustomerFactory, StaffFactory
from workflow import mail, services
from workflow.models import Handoff, Outbox

pytestmark = pytest.mark.django_db


class ServerDown(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server down")


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs (not an Exception)."""


class KilledAfterSending(LocmemBackend):
    """The server accepted the message, then the worker died before marking it sent."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise WorkerKilled


@pytest.fixture
def handoff(db):
    customer = CustomerFactory(last_name="渋谷")
    assignee = StaffFactory(username="sales", email="sales@example.jp", is_head_office=True, roles=[roles.GENERAL])
    contact = ContactHistoryFactory(customer=customer)
    return services.handoff_create(handoff=Handoff(contact=contact, assignee=assignee, message="至急"),
                                   user=assignee)


def test_w1_mail_sent_once_when_the_sender_runs_twice(handoff, mailoutbox, ja):
    # given the handoff's outbox row
    row = Outbox.objects.get(handoff=handoff)
    # when the sender runs twice on it (a retried task), and the periodic sweep after it
    assert mail.send_one(row.pk) is True
    assert mail.send_one(row.pk) is False
    assert mail.send_due() == 0
    # then exactly one mail went out, in Japanese, and the row says sent
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["sales@example.jp"] and "引継" in mailoutbox[0].subject
    assert mailoutbox[0].extra_headers["Message-ID"] == f"<outbox-{row.pk}@kokyaku.local>"
    row.refresh_from_db()
    assert row.state == Outbox.State.SENT and row.sent_at and row.attempts == 1


def test_w1_mail_server_down_waits_and_is_retried(handoff, mailoutbox, settings):
    row = Outbox.objects.get(handoff=handoff)
    # given a mail server that is down
    settings.EMAIL_BACKEND = f"{__name__}.ServerDown"
    # when the sender runs
    assert mail.send_one(row.pk) is False
    # then the mail waits in the outbox with the error, and the handoff itself is saved
    row.refresh_from_db()
    assert row.state == Outbox.State.PENDING and row.attempts == 1 and "down" in row.last_error
    assert row.next_try_at > timezone.now()
    assert Handoff.objects.filter(pk=handoff.pk).exists()
    assert mail.send_due() == 0  # not before its next try
    # when the server is back and the periodic run comes after the next try
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later = timezone.now() + dt.timedelta(minutes=5)
    assert mail.send_due(now=later) == 1
    assert mail.send_due(now=later) == 0
    # then it went out once
    assert len(mailoutbox) == 1
    row.refresh_from_db()
    assert row.state == Outbox.State.SENT and row.attempts == 2


def test_w1_mail_worker_killed_midway_never_sends_twice(handoff, mailoutbox, settings):
    row = Outbox.objects.get(handoff=handoff)
    # given a worker that dies after the server accepted the mail, before marking it sent
    settings.EMAIL_BACKEND = f"{__name__}.KilledAfterSending"
    with pytest.raises(WorkerKilled):
        mail.send_one(row.pk)
    # when another worker retries the task, and the periodic runs come, now and much later
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert mail.send_one(row.pk) is False
    assert mail.send_due() == 0
    assert mail.send_due(now=timezone.now() + dt.timedelta(hours=2)) == 0
    # then the mail went out once; the row is left 要確認 for an admin, not resent by itself
    assert len(mailoutbox) == 1
    row.refresh_from_db()
    assert row.state == Outbox.State.UNCERTAIN


def test_w1_mail_crash_before_sending_is_resent_by_an_admin(handoff, mailoutbox, admin_client):
    # given a row claimed by a worker that died before it sent (SENDING, long ago)
    row = Outbox.objects.get(handoff=handoff)
    Outbox.objects.filter(pk=row.pk).update(state=Outbox.State.SENDING,
                                            claimed_at=timezone.now() - dt.timedelta(hours=1))
    assert mail.send_due() == 0 and len(mailoutbox) == 0
    # when an admin resends it from the outbox screen
    response = admin_client.post(reverse("admin:workflow_outbox_changelist"),
                                 {"action": "resend_uncertain", "_selected_action": [row.pk]})
    assert response.status_code == 302
    # then it goes out once
    assert len(mailoutbox) == 1
    assert mail.send_due() == 0 and len(mailoutbox) == 1


def test_w1_mail_queued_after_commit_and_sent_by_the_task(db, mailoutbox, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from workflow.mail import send_outbox_mail

    customer = CustomerFactory()
    assignee = StaffFactory(username="sales2", email="s2@example.jp", is_head_office=True, roles=[roles.GENERAL])
    # when the handoff commits
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        handoff = services.handoff_create(
            handoff=Handoff(contact=ContactHistoryFactory(customer=customer), assignee=assignee), user=assignee)
    row = Outbox.objects.get(handoff=handoff)
    # then the task is queued only then, and the mail is not sent inside the transaction
    assert len(callbacks) == 1 and len(mailoutbox) == 0
    assert DBTaskResult.objects.filter(task_path=send_outbox_mail.module_path).count() == 1
    # the task (run twice: a retry) sends it once
    assert send_outbox_mail.call(row.pk) is True
    assert send_outbox_mail.call(row.pk) is False
    assert len(mailoutbox) == 1


def test_w1_mail_not_written_for_an_assignee_without_address(db):
    customer = CustomerFactory()
    assignee = StaffFactory(username="noaddr", email="", is_head_office=True, roles=[roles.GENERAL])
    handoff = services.handoff_create(
        handoff=Handoff(contact=ContactHistoryFactory(customer=customer), assignee=assignee), user=assignee)
    assert handoff.pk and not Outbox.objects.exists()
