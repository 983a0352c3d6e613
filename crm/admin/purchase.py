from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.urls import path, reverse

from .. import permission_codes as codes
from .. import permissions
from ..forms import PurchaseForm
from ..models import Product, Purchase
from .base import CustomerChildAdmin, date_column, number_column

# What choosing a product fills in on the purchase form: purchase field ← product master field.
PRODUCT_FILL = {"product_code": "code", "product_name": "name", "product_category": "category",
                "unit_price": "unit_price"}


@admin.register(Purchase)
class PurchaseAdmin(CustomerChildAdmin):
    form = PurchaseForm
    change_form_before_template = "crm/empty_warning.html"  # 「空欄のまま保存」 (C8)
    autocomplete_fields = ["customer", "product"]
    list_display = [date_column(Purchase, "date"), "customer", "product_category", "product_code", "product_name",
                    *(number_column(Purchase, name) for name in ("quantity", "unit_price", "amount"))]
    list_select_related = ["customer", "product"]
    list_filter = ["shipped", "paid", "product_category"]
    search_fields = ["customer__code", "product_code", "product_name"]
    date_hierarchy = "date"
    ordering = ["-date", "-id"]
    show_full_result_count = False

    class Media:
        # choosing a product fills code, name, category and unit price; amount = quantity × unit price
        js = ["kokyaku/purchase_form.js"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("customer", "product")

    # Fields this user may not see (R3) are taken out by KokyakuAdmin.get_fieldsets.
    fieldsets = [(None, {"fields": [
        ("customer",), ("date", "product"), ("product_category", "product_code", "product_name"),
        ("quantity", "unit_price", "amount"), ("payment_method", "shipped", "paid"), ("media", "points"),
        ("other1", "other2"), ("remark",), ("memo",),
    ]})]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "product" and formfield is not None:
            formfield.widget.attrs["data-product-fill-url"] = reverse(
                "admin:crm_purchase_product_fill", args=[0], current_app=self.admin_site.name)
        return formfield

    def get_urls(self):
        return [
            path("product-fill/<int:pk>/", self.admin_site.admin_view(self.product_fill_view),
                 name="crm_purchase_product_fill"),
        ] + super().get_urls()

    def product_fill_view(self, request, pk):
        """What choosing a product fills in, for whoever may write purchases and read the product
        master; fields of the purchase this user may not see (R3) are left out."""
        may_write = self.has_add_permission(request) or self.has_change_permission(request)
        if not (may_write and request.user.has_perm(codes.VIEW_PRODUCT)):
            raise PermissionDenied
        product = Product.objects.filter(pk=pk).first()
        if product is None:
            raise Http404
        hidden = permissions.invisible_fields(request.user, Purchase)
        return JsonResponse({field: str(getattr(product, source)) for field, source in PRODUCT_FILL.items()
                             if field not in hidden})
