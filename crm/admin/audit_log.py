"""アクセスログ (R4): admins browse, filter and export the audit log; nobody adds, edits or deletes.

The screen lives in crm, not in audit, because what each admin reads of it is the policy's (R2:
an admin limited to branches reads their branches' entries; R3: a restricted field is named
「制限項目」 to those outside its group): crm.permissions decides both.
"""

import csv
import json

from django.apps import apps
from django.contrib import admin
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from audit import events
from audit.models import AuditEvent

from .. import permissions
from ..models import Customer, Staff
from .base import AuditedAdminMixin


def safe_cell(value) -> str:
    """Spreadsheet formula injection: a cell must never start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _model(label: str):
    try:
        return apps.get_model(label) if label else None
    except (LookupError, ValueError):
        return None


def _model_name(label: str) -> str:
    model = _model(label)
    return str(model._meta.verbose_name) if model is not None else label


def field_names_shown(user, model, names) -> list[str]:
    """The changed fields of an entry as this user may read them: each by its configured label, a
    restricted one (R3) as 「制限項目」. A label stored by an older version (before fields were stored
    by name) is shown as stored only to a user from whom nothing of the model is restricted."""
    out = []
    for name in names:
        shown = permissions.field_label_for(user, model, name) if model is not None else None
        if shown is None:
            restricted = model is not None and permissions.restricted_fields(user, model)
            shown = str(permissions.RESTRICTED_FIELD) if restricted else str(name)
        if shown not in out:
            out.append(shown)
    return out


def detail_parts(user, event) -> list[tuple[str, str]]:
    """(heading, text) of an entry's detail, the changed fields named for this user."""
    detail = dict(event.detail or {})
    for flag in ("created", "deleted"):  # the entry's action says so already
        detail.pop(flag, None)
    # The fields are the target's; a bulk update's (no target) are the customers'.
    model = _model(event.target_type) if event.target_type else Customer
    parts = []
    fields = detail.pop("fields", None)
    if fields:
        parts.append((gettext("Changed fields"), "、".join(field_names_shown(user, model, fields))))
    for label, names in (detail.pop("related", None) or {}).items():
        related = _model(label)
        heading = str(related._meta.verbose_name) if related is not None else label
        parts.append((heading, "、".join(field_names_shown(user, related, names))))
    form_fields = detail.pop("form_fields", None)
    if form_fields:
        parts.append((gettext("Other entries"), "、".join(form_fields)))
    if detail:
        parts.append((gettext("Detail"), json.dumps(detail, ensure_ascii=False)))
    return parts


class ScopedStaffFilter(admin.RelatedFieldListFilter):
    """利用者: only the staff whose entries this admin reads (R2)."""

    def field_choices(self, field, request, model_admin):
        staff = Staff.objects.order_by("username")
        if not permissions.sees_all_branches(request.user):
            staff = staff.filter(pk__in=permissions.branch_staff_ids(request.user))
        return [(s.pk, str(s)) for s in staff]


class _Echo:
    def write(self, value):
        return value


@admin.register(AuditEvent)
class AuditEventAdmin(AuditedAdminMixin, ModelAdmin):
    """Read-only: admins browse, filter and export; nobody adds, edits or deletes. An entry out of the
    admin's scope answers 404, as a missing one (AuditedAdminMixin)."""

    list_display = ["at", "username", "action", "ip_address", "target", "row_count"]
    list_filter = ["action", ("user", ScopedStaffFilter), "at"]
    search_fields = ["username", "customer_code", "target_repr"]
    date_hierarchy = "at"
    list_select_related = ["user"]
    actions_list = ["export_csv"]
    fields = ["at", "user", "username", "action", "ip_address", "target", "customer_code", "history_id",
              "row_count", "detail_shown"]
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(permissions.audit_scope_filter(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description=_("Target"))
    def target(self, event):
        """The customer's code and name with a link to the card (or the record's model and name)."""
        if event.customer_code and event.target_type == "crm.Customer" and event.target_id \
                and event.action != AuditEvent.Action.DELETE:
            url = reverse("admin:crm_customer_change", args=[event.target_id])
            return format_html('<a class="text-primary-600" href="{}">{} {}</a>', url, event.customer_code,
                               event.target_repr.removeprefix(event.customer_code).strip())
        model = _model_name(event.target_type)
        if event.customer_code:
            return f"{model} {event.target_repr}（{event.customer_code}）".strip()
        return f"{model} {event.target_repr}".strip()

    def get_object(self, request, object_id, from_field=None):
        event = super().get_object(request, object_id, from_field)
        if event is not None:
            event.viewer = request.user  # whom detail_shown names the changed fields for (R3)
        return event

    @display(description=_("Detail"))
    def detail_shown(self, event):
        viewer = getattr(event, "viewer", None)
        if viewer is None:
            return ""
        return format_html_join("", '<div><span class="font-semibold">{}</span>: {}</div>', detail_parts(viewer, event))

    @action(description=_("Export the filtered log as CSV"), url_path="export-csv", permissions=["view"])
    def export_csv(self, request):
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request)
        fields = ["at", "username", "action", "ip_address", "target_type", "target_id", "target_repr",
                  "customer_code", "history_id", "row_count", "detail"]
        writer = csv.writer(_Echo())
        user = request.user

        def cell(event, name):
            if name == "detail":  # the changed fields named for this user (R3), as on the entry's page
                return "; ".join(f"{heading}: {text}" for heading, text in detail_parts(user, event))
            return getattr(event, name)

        def rows():
            yield "\ufeff" + writer.writerow([str(AuditEvent._meta.get_field(f).verbose_name) for f in fields])
            count = 0
            for event in queryset.iterator(chunk_size=2000):
                count += 1
                yield writer.writerow([safe_cell(cell(event, f)) for f in fields])
            events.exported(request=request, what="audit log", rows=count, file_format="csv")

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
        return response
