from django.contrib import admin

from ..forms import PurchaseForm
from ..models import Purchase
from .base import CustomerChildAdmin, number_column


@admin.register(Purchase)
class PurchaseAdmin(CustomerChildAdmin):
    form = PurchaseForm
    autocomplete_fields = ["customer", "product"]
    list_display = ["date", "customer", "product_category", "product_code", "product_name",
                    *(number_column(Purchase, name) for name in ("quantity", "unit_price", "amount"))]
    list_select_related = ["customer", "product"]
    list_filter = ["shipped", "paid", "product_category"]
    search_fields = ["customer__code", "product_code", "product_name"]
    date_hierarchy = "date"
    ordering = ["-date", "-id"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("customer", "product")

    # Fields this user may not see (R3) are taken out by KokyakuAdmin.get_fieldsets.
    fieldsets = [(None, {"fields": [
        ("customer",), ("date", "product"), ("product_category", "product_code", "product_name"),
        ("quantity", "unit_price", "amount"), ("payment_method", "shipped", "paid"), ("media", "points"),
        ("other1", "other2"), ("remark",), ("memo",),
    ]})]
