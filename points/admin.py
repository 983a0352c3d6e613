"""The points ledger on the admin: read only (entries come from the API, and a correction is an entry
of the opposite sign), scoped to the customers the user sees (crm's CustomerChildAdmin)."""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from crm.admin.base import CustomerChildAdmin

from .models import PointEntry


@admin.register(PointEntry)
class PointEntryAdmin(CustomerChildAdmin):
    list_display = ["created_at", "customer_code", "customer", "delta", "reason", "source", "created_by"]
    list_select_related = ["customer", "created_by"]
    list_filter = ["source"]
    extra_list_lookups = ("customer__id__exact",)
    search_fields = ["customer__code", "reason"]
    fields = ["customer", "delta", "reason", "source", "idempotency_key", "created_at", "created_by"]
    readonly_fields = fields

    @admin.display(description=_("Customer code"), ordering="customer__code")
    def customer_code(self, obj):
        return obj.customer.code

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # An entry is never changed, so it keeps no history (simple-history's screens have none to show).
    def history_view(self, request, object_id, extra_context=None):
        raise Http404

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        raise Http404
