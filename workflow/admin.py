"""The screens of W1 on crm's scoped base: handoffs (another branch's answers 404), their statuses,
the company calendar and its closed days, and the outbox (admins)."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm import dates, locking, normalize
from crm.admin.base import CustomerChildAdmin, KokyakuAdmin
from crm.models import Customer

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


def late_by(late: dt.timedelta) -> str:
    """How late, as the list says it: 「3日4時間」, 「2時間15分」, 「40分」."""
    minutes = max(0, int(late.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return gettext("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return gettext("%(minutes)d min") % {"minutes": minutes}


def _column(function, *, description, ordering=None, reads=(), name):
    function.short_description = description
    function.__name__ = name  # the cells' CSS class (field-<name>)
    if ordering:
        function.admin_order_field = ordering
    function.reads = reads  # R3: a column showing a field the user may not see is dropped
    return function


@admin.register(Handoff)
class HandoffAdmin(CustomerChildAdmin):
    # The list (and the home screen's 遅延 list, ?late=1) costs no more than the customer list per row:
    # its cells are built per request from the row's own columns and the three joined rows (one query
    # for the page, whatever its length), each link made without resolving the URL again (Django's
    # first-column link does that per row to carry the list's filters).
    list_display_links = None  # the customer cell links to the handoff (get_list_display)
    list_filter = [LateFilter, "status", "closed"]
    list_select_related = ["customer", "assignee", "status"]
    show_full_result_count = False  # no second COUNT of every handoff besides the filtered one
    raw_id_fields = ["contact"]
    search_fields = ["customer__code", "customer__last_name", "customer__company_name"]

    # Open handoffs first, the longest past due first: the 遅延 list in the order of the index on
    # (closed, due_at), so the database reads its first page and stops.
    ordering = ["closed", "due_at", "id"]

    def get_list_display(self, request):
        # Built once per request (Django asks twice: the columns, and which of them sort) and kept on
        # the request, never on the shared class.
        if not hasattr(request, "_kokyaku_handoff_columns"):
            request._kokyaku_handoff_columns = self.list_columns(request)
        return request._kokyaku_handoff_columns

    def list_columns(self, request):
        now = timezone.now()
        preserved = self.get_preserved_filters(request)  # back to the same list after a change
        change_url = "admin:workflow_handoff_change"

        # R3 per field of the customer: the cell leaves out what this user may not see (the link stays)
        hidden = self.invisible(request, Customer)
        shown = [name for name in ("code", "last_name", "first_name", "company_name") if name not in hidden]
        phones = [name for name in ("tel", "mobile") if name not in hidden]

        def customer_cell(obj):
            url = reverse(change_url, args=[obj.pk], current_app=self.admin_site.name)
            values = {name: getattr(obj.customer, name) for name in shown}
            person = " ".join(v for v in (values.get("last_name"), values.get("first_name")) if v)
            text = " ".join(v for v in (values.get("code"), person or values.get("company_name")) if v)
            return format_html('<a class="font-semibold" href="{}{}">{}</a>', url,
                               f"?{preserved}" if preserved else "", text or gettext("Handoff"))

        def contact_cell(obj):
            number = next((getattr(obj.customer, name) for name in phones if getattr(obj.customer, name)), "")
            return format_html('<a href="tel:{}">{}</a>', normalize.tel_target(number), number) if number else ""

        def late_cell(obj):
            if obj.closed or not (obj.overdue or (obj.due_at is not None and obj.due_at <= now)):
                return ""
            text = late_by(now - obj.due_at) if obj.due_at is not None and obj.due_at <= now else gettext("Late")
            return format_html('<span class="text-red-600 font-semibold">{}</span>', text)

        columns = [
            _column(customer_cell, description=_("Customer"), name="customer",
                    ordering="customer__code" if "code" in shown else None),
            *([_column(contact_cell, description=_("Phone"), name="tel")] if phones else []),
            "assignee_shown", "status", "due_shown",
            _column(late_cell, description=_("Late by"), ordering="-due_at", name="late_by",
                    reads=("due_at", "overdue", "closed")),
            _column(lambda obj: dates.format_datetime(obj.created_at), description=_("Registered at"),
                    ordering="created_at", name="created_at", reads=("created_at",)),
        ]
        return [c for c in columns if not self.column_is_invisible(request, c)]

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
