from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.decorators import display

from .. import permissions
from ..forms import PurchaseForm
from ..models import Purchase
from .base import CustomerChildAdmin, visible_rows


@admin.register(Purchase)
class PurchaseAdmin(CustomerChildAdmin):
    form = PurchaseForm
    autocomplete_fields = ["customer", "product"]
    list_display = ["date", "customer", "product_category", "product_code", "product_name", "quantity", "unit_price", "amount"]
    card_list_display = [
        "edit_link", "product_category", "product_code", "product_name", "quantity", "unit_price", "amount",
        "shipped", "paid", "points", "remark",
    ]
    list_select_related = ["customer", "product"]
    list_filter = ["shipped", "paid", "product_category"]
    search_fields = ["customer__code", "product_code", "product_name"]
    date_hierarchy = "date"
    ordering = ["-date", "-id"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("customer", "product")

    def get_fieldsets(self, request, obj=None):
        hidden = permissions.invisible_fields(request.user, "purchase")
        rows = [
            ("customer",), ("date", "product"), ("product_category", "product_code", "product_name"),
            ("quantity", "unit_price", "amount"), ("payment_method", "shipped", "paid"), ("media", "points"),
            ("other1", "other2"), ("remark",), ("memo",),
        ]
        return [(None, {"fields": visible_rows(rows, hidden)})]

    @display(description=_("Date"), ordering="date")
    def edit_link(self, obj):
        url = reverse("admin:crm_purchase_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.date.strftime("%Y/%m/%d"))
