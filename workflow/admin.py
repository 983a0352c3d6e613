"""The screens of W1 on crm's scoped base: handoffs (another branch's answers 404), their statuses,
the company calendar and its closed days, and the outbox (admins)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm import dates, locking
from crm.admin.base import CustomerChildAdmin, KokyakuAdmin

from . import calendar, mail, services
from .forms import HandoffChangeForm, HandoffCreateForm, staff_label
from .models import ClosedDay, CompanyCalendar, Handoff, HandoffStatus, Outbox


class LateFilter(admin.SimpleListFilter):
    title = _("Late")
    parameter_name = "late"
    reads = ("due_at", "overdue", "closed")

    def lookups(self, request, model_admin):
        return [("1", _("Late")), ("0", _("Not late"))]

    def queryset(self, request, queryset):
        from .selectors import late_filter

        if self.value() == "1":
            return queryset.filter(late_filter(timezone.now()))
        if self.value() == "0":
            return queryset.exclude(late_filter(timezone.now()))
        return queryset


@admin.register(Handoff)
class HandoffAdmin(CustomerChildAdmin):
    list_display = ["customer", "assignee_shown", "status", "due_shown", "late_shown", "created_at"]
    list_filter = [LateFilter, "status", "closed"]
    list_select_related = ["customer", "assignee", "status"]
    raw_id_fields = ["contact"]
    search_fields = ["customer__code", "customer__last_name", "customer__company_name"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = HandoffChangeForm
        else:  # a class per request knowing who fills it in (the customer's pulldowns follow their scope)
            kwargs["form"] = type(HandoffCreateForm.__name__, (HandoffCreateForm,), {
                "viewer": request.user, "__module__": HandoffCreateForm.__module__})
        return super().get_form(request, obj, change=change, **kwargs)

    def get_layout(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["contact", "department", "assignee", "message"]})]
        may_change = self.has_change_permission(request, obj)
        return [
            (None, {"fields": ["status", "note"] if may_change else ["status"]}),
            (_("Handoff"), {"fields": ["customer", "contact", "assignee_shown", "message", "status_since",
                                       "due_shown", "late_shown", "events_shown"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["customer", "contact", "assignee_shown", "message", "status_since", "due_shown", "late_shown",
                "events_shown"]

    @admin.display(description=_("Handed to"), ordering="assignee__username")
    def assignee_shown(self, obj):
        return staff_label(obj.assignee)

    @admin.display(description=_("Due at"), ordering="due_at")
    def due_shown(self, obj):
        if obj.due_at is None:
            return gettext("Paused") if obj.paused_minutes_left is not None else "—"
        return dates.format_datetime(timezone.localtime(obj.due_at))

    @admin.display(description=_("Late"))
    def late_shown(self, obj):
        late = not obj.closed and (obj.overdue or (obj.due_at is not None and obj.due_at <= timezone.now()))
        return format_html('<span class="text-red-600 font-semibold">{}</span>', gettext("Late")) if late else ""

    @admin.display(description=_("Changes"))
    def events_shown(self, obj):
        rows = obj.events.select_related("from_status", "to_status", "user")
        return format_html_join(
            mark_safe("<br>"), "{}　{}　{}{}　{}",
            ((dates.format_datetime(timezone.localtime(e.at)), e.get_kind_display(),
              f"{e.from_status} → " if e.from_status else "", e.to_status or "",
              staff_label(e.user) if e.user else "") for e in rows))

    def save_model(self, request, obj, form, change):
        if change:
            locking.claim(obj)  # the version the form saw, or StaleWrite: shown again (issue 24.3)
        try:
            if change:
                services.handoff_set_status(handoff=obj, status=form.cleaned_data["status"], user=request.user,
                                            note=form.cleaned_data.get("note", ""))
            else:
                services.handoff_create(handoff=obj, user=request.user)
        except ValidationError as exc:  # a race the form could not see: nothing was written
            raise PermissionDenied(" ".join(exc.messages)) from exc


class CalendarAdminMixin:
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        calendar.invalidate()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        calendar.invalidate()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        calendar.invalidate()


@admin.register(CompanyCalendar)
class CompanyCalendarAdmin(CalendarAdminMixin, KokyakuAdmin):
    """会社カレンダー: one row; the list opens it."""

    fieldsets = [
        (_("Office hours"), {"fields": [("opens", "closes"), ("lunch_start", "lunch_end")]}),
        (_("Closed days"), {"fields": ["closed_weekdays", "public_holidays_closed",
                                       ("year_end_closed", "year_end_from", "year_end_until")]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect(reverse("admin:workflow_companycalendar_change", args=[CompanyCalendar.load().pk]))


@admin.register(ClosedDay)
class ClosedDayAdmin(CalendarAdminMixin, KokyakuAdmin):
    list_display = ["date", "name"]
    date_hierarchy = "date"


@admin.register(HandoffStatus)
class HandoffStatusAdmin(KokyakuAdmin):
    list_display = ["name", "order", "alert_minutes", "pauses_clock", "is_handoff", "is_closed"]
    filter_horizontal = ["next_statuses"]

    def has_delete_permission(self, request, obj=None):
        # A status is renamed, reordered or left unused, never deleted: past handoffs and their
        # history name it.
        return False


@admin.register(Outbox)
class OutboxAdmin(KokyakuAdmin):
    list_display = ["created_at", "to", "subject", "state", "attempts", "sent_at", "last_error"]
    list_filter = ["state"]
    actions = ["resend_uncertain"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Outbox._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send again (mails to check)"), permissions=["change"])
    def resend_uncertain(self, request, queryset):
        count = mail.resend(queryset.values_list("pk", flat=True))
        mail.send_due()
        self.message_user(request, gettext("%(count)s mails queued again.") % {"count": count}, messages.SUCCESS)
