"""The screens of bulk mail: the office's rate (admins), saved templates (admins keep them, senders see
them), and each bulk mail's result (its sender's own; recipients of the viewer's branches only)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm import permissions
from crm.admin.base import KokyakuAdmin
from workflow.models import Outbox

from . import merge
from .models import Campaign, CampaignRecipient, MailSettings, MailTemplate

RESULT_ROWS = 200


@admin.register(MailSettings)
class MailSettingsAdmin(KokyakuAdmin):
    """一括メール設定: one row; the list opens it."""

    fields = ["rate_per_minute"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect(reverse("admin:mailing_mailsettings_change", args=[MailSettings.load().pk]))


@admin.register(MailTemplate)
class MailTemplateAdmin(KokyakuAdmin):
    list_display = ["name", "subject", "updated_at"]
    search_fields = ["name", "subject"]
    fields = ["name", "subject", "body"]

    def render_change_form(self, request, context, *args, **kwargs):
        context["merge_fields"] = list(merge.fields_by_label())
        return super().render_change_form(request, context, *args, **kwargs)


@admin.register(Campaign)
class CampaignAdmin(KokyakuAdmin):
    """A bulk mail's result: how far the worker is, and who got it or not and why."""

    change_form_template = "mailing/campaign_change_form.html"
    list_display = ["created_at", "subject", "sender", "state", "finished_at"]
    list_filter = ["state"]
    fields = ["subject", "sender", "source", "state", "stop_reason", "created_at", "finished_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("sender")
        return queryset if request.user.is_superuser else queryset.filter(sender=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None:
            context["campaign_result"] = self.result(request, obj)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def result(self, request, obj) -> str:
        sent = Q(state=CampaignRecipient.State.QUEUED, outbox__state=Outbox.State.SENT)
        counts = obj.recipients.aggregate(
            total=Count("id"), sent=Count("id", filter=sent),
            waiting=Count("id", filter=Q(state=CampaignRecipient.State.WAITING)
                          | Q(state=CampaignRecipient.State.QUEUED, outbox__state=Outbox.State.PENDING)),
            skipped=Count("id", filter=Q(state=CampaignRecipient.State.SKIPPED)),
            uncertain=Count("id", filter=Q(outbox__state__in=[Outbox.State.SENDING, Outbox.State.UNCERTAIN])))
        # the rows of the viewer's branches only (R2), those not sent first
        rows = permissions.visible_related(request.user, obj.recipients.all()).select_related("customer", "outbox")
        rows = rows.order_by("-state", "id")[:RESULT_ROWS]
        return render_to_string("mailing/campaign_result.html", {"counts": counts, "rows": rows,
                                                                  "shown_max": RESULT_ROWS}, request=request)
