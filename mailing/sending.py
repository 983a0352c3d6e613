"""The worker's part of a bulk mail (W4): batches at the office's rate, through workflow's outbox.

A batch moves up to `rate_per_minute` waiting recipients into the outbox in one transaction: for each,
one outbox row (kept on the recipient row, unique) and one contact-history entry on the customer, or
the reason it is not sent (opted out since, out of the sender's branches now, no address). After the
commit each outbox row is sent by workflow.mail.send_one, which claims it first: sent once or not at
all. A worker that dies anywhere leaves either waiting recipients (taken by the next batch), outbox
rows waiting (sent by the next batch or the outbox's periodic run) or one row SENDING (要確認 after
workflow.mail.STALE_AFTER, never resent by itself): nobody gets the mail twice.

Before every batch the sender's right is asked again (active, the permission, every merge field still
visible to them): a campaign whose sender lost it stops, with the reason."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import permissions
from crm import services as crm_services
from crm.models import ContactHistory, Customer
from workflow import mail as outbox
from workflow.models import Outbox

from . import merge
from .models import Campaign, CampaignRecipient, MailSettings
from .permission_codes import SEND_MAIL

logger = logging.getLogger(__name__)
BATCH_EVERY = dt.timedelta(minutes=1)


def queue(campaign_id: int, run_after: dt.datetime | None = None) -> None:
    runner = send_campaign_batch.using(run_after=run_after) if run_after else send_campaign_batch
    runner.enqueue(campaign_id)


@task()
def send_campaign_batch(campaign_id: int) -> int:
    """One batch of a campaign; queues the next one a minute on while recipients wait."""
    sent = run_batch(campaign_id)
    campaign = Campaign.objects.filter(pk=campaign_id, state=Campaign.State.SENDING).first()
    if campaign is not None:
        queue(campaign_id, run_after=campaign.next_batch_at)
    return sent


def _stop(campaign: Campaign, reason: str) -> None:
    Campaign.objects.filter(pk=campaign.pk, state=Campaign.State.SENDING).update(
        state=Campaign.State.STOPPED, stop_reason=reason, finished_at=timezone.now())
    CampaignRecipient.objects.filter(campaign=campaign, state=CampaignRecipient.State.WAITING).update(
        state=CampaignRecipient.State.SKIPPED, skip_reason=reason[:200])


def sender_refusal(campaign: Campaign) -> str:
    """Why the campaign's sender may no longer send it ("" when they may)."""
    sender = type(campaign.sender).objects.get(pk=campaign.sender_id)  # fresh: roles may have changed
    if permissions.lost_access(sender, needs=[SEND_MAIL]) is not None:
        return _("The sender may no longer send bulk mail.")
    try:
        merge.check(merge.Template(campaign.subject, campaign.body), sender)
    except merge.Refused as refused:
        return " ".join(refused.problems)
    return ""


def _claim_batch(campaign: Campaign, now: dt.datetime) -> bool:
    """Take this minute's batch: one conditional update, so two runners never take the same one."""
    if campaign.next_batch_at > now:
        return False
    return bool(Campaign.objects.filter(pk=campaign.pk, state=Campaign.State.SENDING,
                                        next_batch_at=campaign.next_batch_at)
                .update(next_batch_at=now + BATCH_EVERY))


def _hand_over(campaign: Campaign, sender) -> list[int]:
    """Up to the office's rate (read now: a change applies from the next batch) of waiting recipients into the outbox, with their contact-history entries, in one
    transaction. Returns the new outbox rows."""
    with transaction.atomic():
        rows = CampaignRecipient.objects.filter(campaign=campaign, state=CampaignRecipient.State.WAITING)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        rows = list(rows.order_by("id")[:MailSettings.load().rate_per_minute])
        if not rows:
            return []
        ids = [r.customer_id for r in rows]
        mailable = dict(permissions.visible_customers(sender, Customer.objects.filter(pk__in=ids))
                        .values_list("pk", "mail_opted_out_at"))
        queued, contacts = [], []
        today = timezone.localdate()
        for row in rows:
            if row.customer_id not in mailable:
                row.state, row.skip_reason = CampaignRecipient.State.SKIPPED, _("No longer the sender's customer")
            elif mailable[row.customer_id] is not None:
                row.state, row.skip_reason = CampaignRecipient.State.SKIPPED, _("Opted out of mail")
            else:
                row.outbox = Outbox.objects.create(to=row.email, subject=row.subject, body=row.body)
                row.state = CampaignRecipient.State.QUEUED
                queued.append(row.outbox.pk)
                contacts.append(ContactHistory(
                    customer_id=row.customer_id, date=today, staff=sender,
                    detail=_("Bulk mail 「%(subject)s」 to %(to)s") % {"subject": row.subject, "to": row.email},
                    response=row.body))
        CampaignRecipient.objects.bulk_update(rows, ["state", "skip_reason", "outbox"])
        crm_services.contacts_create(contacts=contacts, user=sender, reason=_("Bulk mail"))
    return queued


def run_batch(campaign_id: int, *, now: dt.datetime | None = None) -> int:
    """One batch of the campaign, if it is due; returns how many mails this call sent."""
    now = now or timezone.now()
    campaign = Campaign.objects.select_related("sender").filter(pk=campaign_id).first()
    if campaign is None or campaign.state != Campaign.State.SENDING or not _claim_batch(campaign, now):
        return 0
    refusal = sender_refusal(campaign)
    if refusal:
        _stop(campaign, refusal)
        return 0
    # mails an earlier batch handed over but did not send (its worker died): sent now, once
    left = list(Outbox.objects.filter(campaign_recipient__campaign=campaign, state=Outbox.State.PENDING)
                .values_list("pk", flat=True))
    sent = sum(outbox.send_one(pk, now=now) for pk in left)
    sender = type(campaign.sender).objects.get(pk=campaign.sender_id)
    for pk in _hand_over(campaign, sender):
        sent += outbox.send_one(pk)
    if not CampaignRecipient.objects.filter(campaign=campaign, state=CampaignRecipient.State.WAITING).exists():
        Campaign.objects.filter(pk=campaign.pk, state=Campaign.State.SENDING).update(
            state=Campaign.State.DONE, finished_at=timezone.now())
    return sent


def resume_due(now: dt.datetime | None = None) -> int:
    """The periodic run's part (scheduling.periodic): every campaign whose next batch is due, e.g. after
    a worker died and its queued follow-up with it. Idempotent: a batch is claimed before it runs."""
    now = now or timezone.now()
    ids = list(Campaign.objects.filter(state=Campaign.State.SENDING, next_batch_at__lte=now)
               .values_list("pk", flat=True))
    return sum(run_batch(pk, now=now) for pk in ids)
