"""W3: `manage.py run_scheduled` (cron) flags overdue handoffs 遅延 and retries waiting mail,
idempotently: a second run changes nothing more."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from crm import roles
from tests.factories import ContactHistoryFactory, CustomerFactory, StaffFactory
from workflow import services
from workflow.models import Handoff, HandoffEvent, Outbox

pytestmark = pytest.mark.django_db


def run() -> str:
    out = StringIO()
    call_command("run_scheduled", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_w3_run_scheduled_flags_late_once_and_sends_mail_once(db, mailoutbox):
    assignee = StaffFactory(username="sales", email="sales@example.jp", is_head_office=True, roles=[roles.GENERAL])
    handoff = services.handoff_create(
        handoff=Handoff(contact=ContactHistoryFactory(customer=CustomerFactory()), assignee=assignee), user=assignee)
    Handoff.objects.filter(pk=handoff.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    # when cron runs it twice
    first, second = run(), run()
    # then the first run flagged it and sent its mail; the second changed nothing
    assert "handoffs flagged late: 1" in first and "mails sent from the outbox: 1" in first
    assert "handoffs flagged late: 0" in second and "mails sent from the outbox: 0" in second
    handoff.refresh_from_db()
    assert handoff.overdue and handoff.events.filter(kind=HandoffEvent.Kind.LATE).count() == 1
    assert len(mailoutbox) == 1 and Outbox.objects.get().state == Outbox.State.SENT
