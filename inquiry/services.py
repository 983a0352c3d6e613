"""What a submission of a public form writes (I1), in one transaction: the customer (new, or the
existing one it matches, whose empty fields it fills and nothing else), a contact history of the form's
category with what was sent, the audit log's entries, and the mails in the outbox (workflow.mail): a
thank-you to the sender and a notice to each staff address, each sent once after the commit.

Every customer write goes through crm.services. The visitor is told nothing of what was found: the
page and the thank-you mail are the same whether the customer existed or not."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from audit import events as audit
from crm import services as crm_services
from crm.models import ContactHistory, Customer
from fieldconfig.lookup import config
from workflow import mail

from .matching import customer_matching
from .models import InquiryForm

AUDIT_USER = "web-form:{key}"


@dataclass(frozen=True)
class Received:
    customer: Customer
    contact: ContactHistory
    created: bool
    filled: tuple[str, ...]  # the matched customer's empty fields this submission filled
    mails: int


def _fill(template: str, *, name: str, form: str) -> str:
    return (template or "").replace("{name}", name).replace("{form}", form)


def sender_name(values: dict) -> str:
    name = " ".join(p for p in (values.get("last_name"), values.get("first_name")) if p)
    return name or values.get("company_name") or gettext("Customer")


def _detail(inquiry: InquiryForm, values: dict, message: str) -> str:
    """The contact history's detail: the message, then every value sent under its label."""
    snapshot = config()
    lines = [message.strip(), ""] if message.strip() else []
    lines.append(gettext("— Sent through the web form “%(form)s” —") % {"form": inquiry.name})
    for name, value in values.items():
        if value:
            lines.append(f"{snapshot.label('customer', name)}: {value}")
    return "\n".join(lines)


def _card_url(customer) -> str:
    base = getattr(settings, "KOKYAKU_BASE_URL", "").rstrip("/")
    return base + reverse("admin:crm_customer_change", args=[customer.pk])


def _mails(inquiry: InquiryForm, received_values: dict, message: str, customer, created: bool, filled) -> int:
    name = sender_name(received_values)
    count = 0
    with translation.override(settings.LANGUAGE_CODE):
        email = received_values.get("email")
        if email:
            mail.outbox_add(to=email, subject=_fill(inquiry.mail_subject, name=name, form=inquiry.name),
                            body=_fill(inquiry.mail_body, name=name, form=inquiry.name))
            count += 1
        snapshot = config()
        context = {
            "form": inquiry, "name": name, "created": created, "customer": customer, "message": message,
            "values": [(snapshot.label("customer", k), v) for k, v in received_values.items() if v],
            "filled": [snapshot.label("customer", k) for k in filled], "url": _card_url(customer),
        }
        subject = render_to_string("inquiry/mail/notice_subject.txt", context)
        body = render_to_string("inquiry/mail/notice_body.txt", context)
        for address in inquiry.notify_addresses():
            mail.outbox_add(to=address, subject=subject, body=body)
            count += 1
    return count


def inquiry_receive(*, inquiry: InquiryForm, values: dict, message: str = "", request=None,
                    client: str = "") -> Received:
    """Record one valid submission of `inquiry` (values: the customer fields it asked, cleaned)."""
    values = {name: value for name, value in values.items() if value not in (None, "")}
    reason = gettext("Web form: %(form)s") % {"form": inquiry.name}
    username = AUDIT_USER.format(key=inquiry.key)
    with transaction.atomic():
        customer = customer_matching(branch=inquiry.branch, values=values)
        created = customer is None
        filled: tuple[str, ...] = ()
        if created:
            customer = Customer(branch=inquiry.branch, **values)
            crm_services.customer_save(customer=customer, user=None, reason=reason)
            audit.record(audit.Action.CREATE, request=request, username=username, target=customer,
                         history_id=audit.latest_history_id(customer),
                         detail={"fields": sorted(values), "created": True, "web_form": inquiry.key,
                                 "client": client})
        else:
            filled = tuple(name for name, value in values.items() if not getattr(customer, name))
            if filled:
                for name in filled:
                    setattr(customer, name, values[name])
                crm_services.customer_save(customer=customer, user=None, reason=reason)
                audit.record(audit.Action.UPDATE, request=request, username=username, target=customer,
                             history_id=audit.latest_history_id(customer),
                             detail={"fields": list(filled), "created": False, "web_form": inquiry.key,
                                     "client": client})
        contact = ContactHistory(customer=customer, category=inquiry.category, status=ContactHistory.Status.OPEN,
                                 detail=_detail(inquiry, values, message))
        crm_services.contact_history_add(contact=contact, user=None, reason=reason)
        audit.record(audit.Action.CREATE, request=request, username=username, target=contact,
                     history_id=audit.latest_history_id(contact),
                     detail={"fields": ["category", "detail", "status"], "created": True, "web_form": inquiry.key,
                             "client": client})
        count = _mails(inquiry, values, message, customer, created, filled)
    return Received(customer=customer, contact=contact, created=created, filled=filled, mails=count)
