"""The bulk mail screen (W4) under the customer list's URLs (admin:crm_customer_mail), reached from the
list's tool (the whole search), its action (the ticked rows) and a business event's list (?event=), and
the public 配信停止 page (no login) a mail links to."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from audit import events as audit_events
from crm import dates
from crm import services as crm_services
from crm.models import Customer
from dataio import selection
from dataio.selection import ticked_ids
from events import outputs as event_outputs

from . import merge, services
from .forms import MailForm, OptOutClearForm
from .models import MailTemplate


def may_mail(request, model_admin) -> bool:
    return model_admin.has_view_permission(request) and services.may_send(request.user)


def _recipients(request, model_admin):
    """(customers, querystring, back url, source text): the event's list, the ticked rows or the search."""
    ids = ticked_ids(request.GET.get("ids", ""))
    event_selection = event_outputs.EventSelection.from_params(request.user, request.GET)
    if event_selection is not None:
        links = event_outputs.mailed_links(request.user, event_selection)
        customers = Customer.objects.filter(pk__in=links.order_by().values("customer_id")).order_by("code")
        return (customers, event_selection.querystring(), event_selection.event_url(),
                gettext("Event 「%(event)s」") % {"event": event_selection.event})
    if ids is not None:
        customers = selection.records(request.user, target="customers", source="customers", ids=ids or [0])
        querystring = urlencode({"ids": ",".join(map(str, ids))})
        return customers, querystring, reverse("admin:crm_customer_changelist"), \
            gettext("%(count)s selected customers") % {"count": len(ids)}
    customers = model_admin.get_changelist_instance(request).get_queryset(request)
    querystring = request.GET.urlencode()
    return (customers, querystring, reverse("admin:crm_customer_changelist") + f"?{querystring}",
            gettext("Search: %(query)s") % {"query": querystring or gettext("all customers")})


def mail_view(request, *, model_admin):
    """一括メール: recipients counted and named, a template, the preview, a test send, then the send."""
    if not may_mail(request, model_admin):
        raise PermissionDenied
    chosen = request.GET.get("template", "")
    if chosen:  # the template pulldown reloads the screen with it: not a customer condition
        request.GET = request.GET.copy()
        del request.GET["template"]
    customers, querystring, back_url, source = _recipients(request, model_admin)
    initial = {}
    if chosen.isdigit() and (saved := MailTemplate.objects.filter(pk=int(chosen)).first()):
        initial = {"template": saved, "subject": saved.subject, "body": saved.body}
    form = MailForm(request.POST if request.method == "POST" else None, user=request.user, initial=initial)
    action = request.POST.get("action", "preview")
    previews = []
    # the 配信停止 link's site: KOKYAKU_BASE_URL, else the address this screen was opened at
    base_url = settings.KOKYAKU_BASE_URL or request.build_absolute_uri("/")
    if form.is_bound and form.is_valid():
        template = form.template_value()
        try:
            if action == "send":
                campaign = services.campaign_create(user=request.user, template=template, customers=customers,
                                                    source=source, request=request, base_url=base_url)
                messages.success(request, gettext("The bulk mail is queued: %(count)s mails, sent by the worker "
                                                   "at the office's rate.") % {"count": campaign.recipients.count()})
                return redirect(reverse("admin:mailing_campaign_change", args=[campaign.pk]))
            if action == "test":
                address = services.test_send(user=request.user, template=template, customers=customers,
                                             base_url=base_url)
                messages.success(request, gettext("A test mail was sent to %(address)s.") % {"address": address})
            previews = services.preview(user=request.user, template=template, customers=customers,
                                        base_url=base_url)
        except ValidationError as error:
            form.add_error(None, error)
        except merge.Refused as refused:  # the form checks first; a change of rights in between
            for problem in refused.problems:
                form.add_error(None, problem)
    plan = services.plan(user=request.user, customers=customers)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Bulk mail"), "opts": model_admin.model._meta, "form": form, "plan": plan,
        "previews": previews, "merge_fields": list(merge.fields_by_label()), "back_url": back_url,
        "source": source, "querystring": querystring, "may_send": form.is_bound and form.is_valid() and plan.sendable,
        "templates": MailTemplate.objects.all(),
    }
    return TemplateResponse(request, "mailing/mail_form.html", context)


@admin.action(description=_("Send a bulk mail to the selected customers"), permissions=["view"])
def mail_selected(modeladmin, request, queryset):
    """The list's action (offered to senders only: hooks, ListAction.allowed): the mail screen with the
    ticked rows (or the whole search)."""
    if not services.may_send(request.user):
        raise PermissionDenied
    if request.POST.get("select_across") == "1":
        return redirect(f"{reverse('admin:crm_customer_mail')}?{request.GET.urlencode()}")
    ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
    return redirect(f"{reverse('admin:crm_customer_mail')}?{urlencode({'ids': ids})}")


def event_mail_url(selection) -> str:
    """The mail screen for a business event's customers (its page's outputs)."""
    return f"{reverse('admin:crm_customer_mail')}?{selection.querystring()}"


def mail_tool_url(request, querystring: str) -> str:
    return reverse("admin:crm_customer_mail") + (f"?{querystring}" if querystring else "")


@never_cache
@csrf_protect
def opt_out_view(request, token: str):
    """配信停止: the customer confirms (POST) and is opted out, once. Nothing about them is shown."""
    customer_id = services.opt_out_customer_id(token)
    customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
    if customer is None:
        raise Http404
    with translation.override(settings.LANGUAGE_CODE):  # the office's language, whatever the browser says
        if request.method == "POST":
            crm_services.customer_set_mail_opt_out(customer=customer,
                                                   reason=gettext("Opted out from the mail's link"))
        return TemplateResponse(request, "mailing/opt_out.html", {"done": request.method == "POST"}).render()


def opt_out_clear_view(request, *, model_admin, object_id: str):
    """「配信停止を解除」 from the card: for whoever may change this customer (another branch's: 404;
    a role that may not change customers: 403), with a reason, through crm.services, in the history
    and the audit log."""
    customer = model_admin.get_object(request, object_id)  # out of scope: 404, and logged
    if not model_admin.has_change_permission(request, customer):
        raise PermissionDenied
    card_url = reverse("admin:crm_customer_change", args=[customer.pk])
    if customer.mail_opted_out_at is None and request.method != "POST":
        messages.info(request, gettext("This customer was not opted out of mail."))
        return redirect(card_url)
    form = OptOutClearForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            cleared = crm_services.customer_clear_mail_opt_out(customer=customer, user=request.user,
                                                               reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if cleared:
                audit_events.object_saved(request=request, obj=customer, created=False,
                                          changes={"fields": ["mail_opted_out_at"]})
                messages.success(request, gettext("The mail opt-out was cleared: bulk mail reaches this customer "
                                                  "again."))
            else:
                messages.info(request, gettext("This customer was not opted out of mail."))
            return redirect(card_url)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Clear the mail opt-out"), "opts": model_admin.model._meta, "original": customer,
        "form": form, "card_url": card_url, "opted_out_at": dates.format_datetime(customer.mail_opted_out_at),
    }
    return TemplateResponse(request, "mailing/opt_out_clear.html", context)
