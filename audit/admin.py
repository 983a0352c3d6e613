import csv

from django.contrib import admin
from django.http import StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from django.urls import reverse
from django.utils.html import format_html
from unfold.decorators import action, display

from . import events
from .models import AuditEvent


def safe_cell(value) -> str:
    """Spreadsheet formula injection: a cell must never start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _model_name(label: str) -> str:
    from django.apps import apps

    try:
        return str(apps.get_model(label)._meta.verbose_name) if label else ""
    except (LookupError, ValueError):
        return label


class _Echo:
    def write(self, value):
        return value


@admin.register(AuditEvent)
class AuditEventAdmin(ModelAdmin):
    """Read-only: admins browse, filter and export; nobody adds, edits or deletes."""

    list_display = ["at", "username", "action", "ip_address", "target", "row_count"]
    list_filter = ["action", "user", "at"]
    search_fields = ["username", "customer_code", "target_repr"]
    date_hierarchy = "at"
    list_select_related = ["user"]
    actions_list = ["export_csv"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
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

    def has_delete_permission(self, request, obj=None):
        return False

    @action(description=_("Export the filtered log as CSV"), url_path="export-csv", permissions=["view"])
    def export_csv(self, request):
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request)
        fields = ["at", "username", "action", "ip_address", "target_type", "target_id", "target_repr",
                  "customer_code", "history_id", "row_count", "detail"]
        writer = csv.writer(_Echo())

        def rows():
            yield "\ufeff" + writer.writerow([str(AuditEvent._meta.get_field(f).verbose_name) for f in fields])
            count = 0
            for event in queryset.iterator(chunk_size=2000):
                count += 1
                yield writer.writerow([safe_cell(getattr(event, f)) for f in fields])
            events.exported(request=request, what="audit log", rows=count, file_format="csv")

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
        return response


# django-axes' own screen offers an action that declares no permission; the one below asks for
# the delete permission on the attempts it cleans up (R1: every action states its permission).
from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin  # noqa: E402 (registers axes' admin first)
from axes.models import AccessAttempt  # noqa: E402

admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    actions = ["cleanup_expired_attempts"]

    @admin.action(description=_("Clean up expired attempts"), permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        return super().cleanup_expired_attempts(request, queryset)
