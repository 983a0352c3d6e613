from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from unfold.contrib.import_export.forms import ExportForm, ImportForm

from ..models import Branch, ContactCategory, CustomerCategory, Product, StaffDepartment
from ..permissions import EXPORT_PERMISSION, IMPORT_PERMISSION
from ..resources import ProductResource
from .base import KokyakuAdmin
from .imports import SafeImportMixin


@admin.register(Branch)
class BranchAdmin(KokyakuAdmin):
    list_display = ["code", "name", "position"]
    search_fields = ["code", "name"]


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
