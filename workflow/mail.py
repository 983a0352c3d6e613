"""Mail, exactly once (W1): an Outbox row written in the transaction of what it tells, sent after
commit through Django's email backend (console by default, SMTP by setting, locmem in tests).

The sender claims a row with a conditional update (PENDING → SENDING), sends, and marks it SENT with
another (SENDING → SENT). A second sender of the same row finds nothing to claim, so a retried task
never sends twice. A mail server that is down (an exception from the backend) puts the row back to
PENDING with a later `next_try_at`: it waits in the outbox and `send_due` retries it. A worker killed
between the claim and the mark leaves the row SENDING: after `STALE_AFTER` it becomes UNCERTAIN (要確認)
and is not resent by itself, since it may have gone out; an admin resends it from the outbox screen.
Every message carries a Message-ID made from the row, so a receiving server can tell a resend.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from crm import dates, permissions
from crm.models import ContactHistory, Customer

from .models import Outbox

logger = logging.getLogger(__name__)
STALE_AFTER = dt.timedelta(minutes=15)
MAX_BACKOFF = dt.timedelta(hours=1)


def outbox_add(*, to: str, subject: str, body: str, handoff=None) -> Outbox:
    """Keep a mail to send, in the caller's transaction; its sending is queued for after the commit."""
    row = Outbox.objects.create(to=to, subject=subject.strip().replace("\n", " ")[:200], body=body, handoff=handoff)
    transaction.on_commit(lambda: _queue(row.pk))
    return row


def _queue(pk: int) -> None:
    send_outbox_mail.enqueue(pk)


@task()
def send_outbox_mail(outbox_id: int) -> bool:
    """The worker's part: send one outbox mail after its transaction committed (a retry of the task
    finds it sent and does nothing). Mail a server refused is retried by `send_due`, with
    scheduling's periodic run (workflow.hooks)."""
    return send_one(outbox_id)


def _customer_label(customer, assignee) -> str:
    hidden = permissions.invisible_fields(assignee, Customer)
    name = "" if {"last_name", "first_name"} & hidden else f"{customer.last_name} {customer.first_name}".strip()
    company = "" if "company_name" in hidden else customer.company_name
    return " ".join(p for p in (customer.code if "code" not in hidden else "", company, name) if p) or f"#{customer.pk}"


def handoff_mail(*, handoff, sender) -> Outbox | None:
    """The handoff's mail to its assignee, in Japanese, with only what the assignee may see."""
    assignee = handoff.assignee
    if not assignee.email:
        return None
    hidden = permissions.invisible_fields(assignee, ContactHistory)
    base = getattr(settings, "KOKYAKU_BASE_URL", "").rstrip("/")
    context = {
        "assignee": assignee, "sender": sender or "Kokyaku", "message": handoff.message,
        "customer_label": _customer_label(handoff.customer, assignee),
        "detail": "" if "detail" in hidden else handoff.contact.detail,
        "due": dates.format_datetime(handoff.due_at) if handoff.due_at else "",
        "url": base + reverse("admin:workflow_handoff_change", args=[handoff.pk]),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("workflow/mail/handoff_subject.txt", context)
        body = render_to_string("workflow/mail/handoff_body.txt", context)
    return outbox_add(to=assignee.email, subject=subject, body=body, handoff=handoff)


def _backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def send_one(pk: int, *, now: dt.datetime | None = None) -> bool:
    """Send the outbox row `pk` if it is waiting and due. True when this call sent it. Runs outside
    any transaction (each update commits on its own: the claim must hold even if this process dies)."""
    now = now or timezone.now()
    claimed = Outbox.objects.filter(pk=pk, state=Outbox.State.PENDING, next_try_at__lte=now).update(
        state=Outbox.State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return False
    row = Outbox.objects.get(pk=pk)
    domain = getattr(settings, "KOKYAKU_MAIL_DOMAIN", "kokyaku.local")
    message = EmailMessage(row.subject, row.body, to=[row.to],
                           headers={"Message-ID": f"<outbox-{row.pk}@{domain}>"})
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # the mail server is down or refused: wait in the outbox, retry later
        logger.warning("outbox %s not sent (attempt %s): %s", pk, row.attempts, exc)
        Outbox.objects.filter(pk=pk, state=Outbox.State.SENDING).update(
            state=Outbox.State.PENDING, claimed_at=None, last_error=str(exc)[:1000],
            next_try_at=timezone.now() + _backoff(row.attempts))
        return False
    Outbox.objects.filter(pk=pk, state=Outbox.State.SENDING).update(
        state=Outbox.State.SENT, sent_at=timezone.now(), last_error="")
    return True


def mark_stale(now: dt.datetime | None = None) -> int:
    """Rows left SENDING by a worker that died: UNCERTAIN (要確認), never resent by themselves."""
    now = now or timezone.now()
    return Outbox.objects.filter(state=Outbox.State.SENDING, claimed_at__lte=now - STALE_AFTER).update(
        state=Outbox.State.UNCERTAIN)


def send_due(now: dt.datetime | None = None) -> int:
    """Send every waiting row whose time has come (the retries); returns how many went out."""
    now = now or timezone.now()
    mark_stale(now)
    pks = list(Outbox.objects.filter(state=Outbox.State.PENDING, next_try_at__lte=now)
               .order_by("next_try_at", "pk").values_list("pk", flat=True)[:500])
    return sum(send_one(pk, now=now) for pk in pks)


def resend(pks) -> int:
    """An admin's decision to send UNCERTAIN rows again (they may have gone out once)."""
    return Outbox.objects.filter(pk__in=pks, state=Outbox.State.UNCERTAIN).update(
        state=Outbox.State.PENDING, next_try_at=timezone.now(), claimed_at=None)
