from django.contrib import admin
from django.db import connection
from import_export.admin import ImportExportModelAdmin
from unfold.contrib.import_export.forms import ExportForm, ImportForm

from ..db import branch_search_indexes_sync
from ..models import Branch, ContactCategory, CustomerCategory, Product, StaffDepartment
from ..permissions import EXPORT_PERMISSION, IMPORT_PERMISSION
from ..resources import ProductResource
from .base import KokyakuAdmin
from .imports import SafeImportMixin


@admin.register(Branch)
class BranchAdmin(KokyakuAdmin):
    list_display = ["code", "name", "position"]
    search_fields = ["code", "name"]

    # Each branch has its own search index on PostgreSQL (crm.db); added and dropped with it.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            branch_search_indexes_sync(connection)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        branch_search_indexes_sync(connection)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        branch_search_indexes_sync(connection)


@admin.register(StaffDepartment)
class StaffDepartmentAdmin(KokyakuAdmin):
    list_display = ["name", "position"]
    search_fields = ["name"]


@admin.register(CustomerCategory)
class CustomerCategoryAdmin(KokyakuAdmin):
    list_display = ["name", "position"]
    search_fields = ["name"]


@admin.register(ContactCategory)
class ContactCategoryAdmin(KokyakuAdmin):
    list_display = ["name", "position"]
    search_fields = ["name"]


@admin.register(Product)
class ProductAdmin(SafeImportMixin, KokyakuAdmin, ImportExportModelAdmin):
    """商品マスタ, with django-import-export's import (admins: crm.import_customer) and export."""

    resource_classes = [ProductResource]
    import_form_class = ImportForm
    export_form_class = ExportForm

    def has_import_permission(self, request):
        return request.user.has_perms([IMPORT_PERMISSION, "crm.add_product", "crm.change_product"])

    def has_export_permission(self, request):
        return request.user.has_perms([EXPORT_PERMISSION, "crm.view_product"])

    list_display = ["code", "name", "category", "unit_price", "is_active"]
    list_filter = ["is_active", "category"]
    search_fields = ["code", "name"]
