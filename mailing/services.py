"""Bulk mail (W4): what a mail to a set of customers would be (who gets it, who not and why, the first
messages), the test send to oneself, the campaign written in one transaction, and 配信停止 links.

Every function takes the sender: the recipients are the sender's customers only (branch scope, through
the queryset the caller built with crm.permissions), the merge fields are checked against what the
sender may see (mailing.merge), and the permission is checked again here, not only on the screen."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from audit import events as audit_events
from crm import naming, permissions
from crm.models import Customer
from workflow import mail as outbox

from . import merge, sending
from .models import Campaign, CampaignRecipient
from .permission_codes import SEND_MAIL

OPT_OUT_SALT = "mailing.opt-out"
PREVIEW_COUNT = 3
NAMED_MAX = 200  # customers named on the screen per reason (the count is always whole)


def may_send(user) -> bool:
    return bool(user and user.is_active and user.has_perm(SEND_MAIL))


def require_sender(user) -> None:
    if not may_send(user):
        raise PermissionDenied


@dataclass
class Left:
    """A customer left out of the mail, named as the sender may see them."""

    code: str
    name: str


@dataclass
class Plan:
    """Who of a set of customers gets the mail, and who not and why."""

    total: int = 0
    sendable: int = 0
    no_address: list[Left] = field(default_factory=list)
    no_address_count: int = 0
    opted_out: list[Left] = field(default_factory=list)
    opted_out_count: int = 0


def _named(customer, hidden) -> Left:
    return Left(code="" if "code" in hidden else customer.code,
                name=naming.addressee(customer, hidden=frozenset(hidden)) or f"#{customer.pk}")


def plan(*, user, customers) -> Plan:
    """Count and name (at most NAMED_MAX each) the customers of `customers` (already scoped to `user`)
    without a mail address and those who opted out. A customer whose address the sender may not see
    counts as without one: the sender cannot mail it."""
    hidden = permissions.invisible_fields(user, Customer)
    base = customers.order_by().select_related(None)
    result = Plan(total=base.count())
    fields = ["pk", "code", "last_name", "first_name", "company_name"]
    opted = base.filter(mail_opted_out_at__isnull=False)
    result.opted_out_count = opted.count()
    result.opted_out = [_named(c, hidden) for c in opted.only(*fields).order_by("code")[:NAMED_MAX]]
    if "email" in hidden:
        no_address = base.filter(mail_opted_out_at__isnull=True)
    else:
        no_address = base.filter(mail_opted_out_at__isnull=True, email="")
    result.no_address_count = no_address.count()
    result.no_address = [_named(c, hidden) for c in no_address.only(*fields).order_by("code")[:NAMED_MAX]]
    result.sendable = result.total - result.opted_out_count - result.no_address_count
    return result


def sendable(*, user, customers):
    """The customers of `customers` the mail goes to: with an address the sender sees, not opted out."""
    if "email" in permissions.invisible_fields(user, Customer):
        return customers.none()
    return customers.filter(mail_opted_out_at__isnull=True).exclude(email="")


def opt_out_token(customer_id: int) -> str:
    return signing.Signer(salt=OPT_OUT_SALT).sign(str(customer_id))


def opt_out_customer_id(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=OPT_OUT_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def opt_out_url(customer_id: int, base_url: str = "") -> str:
    base = (base_url or getattr(settings, "KOKYAKU_BASE_URL", "")).rstrip("/")
    return base + reverse("mailing_opt_out", args=[opt_out_token(customer_id)])


def with_footer(body: str, customer_id: int, base_url: str = "") -> str:
    """The body with the 配信停止 link every bulk mail ends with, in the office's language."""
    with translation.override(settings.LANGUAGE_CODE):
        notice = _("To receive no more of these mails, open this page:")
    return body.rstrip() + "\n\n" + "-" * 30 + "\n" + notice + "\n" + opt_out_url(customer_id, base_url) + "\n"


def messages_for(*, user, template: merge.Template, customers, limit: int | None = None, base_url: str = ""):
    """(customer, subject, body) for the sendable customers, in the list's order: the preview's first
    few, the campaign's all. Refused (mailing.merge) when the template names what it may not."""
    used = merge.check(template, user)
    hidden = permissions.invisible_fields(user, Customer)
    rows = sendable(user=user, customers=customers).select_related(*merge.select_related_for(used))
    if limit is not None:
        rows = rows[:limit]
    for customer in rows.iterator(chunk_size=1000) if limit is None else rows:
        subject, body = merge.render(template, customer, used=used, hidden=hidden)
        yield customer, subject, with_footer(body, customer.pk, base_url)


def preview(*, user, template: merge.Template, customers, base_url: str = "") -> list[dict]:
    return [{"customer": _named(c, permissions.invisible_fields(user, Customer)), "to": c.email,
             "subject": s, "body": b}
            for c, s, b in messages_for(user=user, template=template, customers=customers, limit=PREVIEW_COUNT,
                                        base_url=base_url)]


def test_send(*, user, template: merge.Template, customers, base_url: str = "") -> str:
    """The first message, as the first customer would get it, to the sender's own address (through the
    outbox, once). Returns the address, or raises ValidationError in Japanese."""
    require_sender(user)
    if not user.email:
        raise ValidationError(_("Your user has no mail address: ask an administrator to set one."))
    first = next(iter(messages_for(user=user, template=template, customers=customers, limit=1,
                                   base_url=base_url)), None)
    if first is None:
        raise ValidationError(_("None of these customers can be mailed."))
    _customer, subject, body = first
    with transaction.atomic():
        outbox.outbox_add(to=user.email, subject=_("[Test] %(subject)s") % {"subject": subject}, body=body)
    return user.email


def campaign_create(*, user, template: merge.Template, customers, source: str = "", request=None,
                    base_url: str = "") -> Campaign:
    """The campaign and one row per recipient, in one transaction, then its first batch queued for the
    worker after the commit. `customers` must be scoped to `user` already (the screen's queryset)."""
    require_sender(user)
    # Refused (mailing.merge) before anything is written
    messages = list(messages_for(user=user, template=template, customers=customers, base_url=base_url))
    if not messages:
        raise ValidationError(_("None of these customers can be mailed."))
    with transaction.atomic():
        campaign = Campaign.objects.create(sender=user, subject=template.subject, body=template.body,
                                           source=source[:300])
        CampaignRecipient.objects.bulk_create(
            [CampaignRecipient(campaign=campaign, customer=c, email=c.email, subject=s, body=b)
             for c, s, b in messages], batch_size=1000)
        audit_events.record(audit_events.Action.BULK, request=request, user=user, target=campaign,
                            row_count=len(messages),
                            detail={"what": "bulk_mail", "subject": template.subject, "source": source[:300]},
                            branches=sorted({c.branch_id for c, _s, _b in messages}))
        transaction.on_commit(lambda: sending.queue(campaign.pk))
    return campaign
