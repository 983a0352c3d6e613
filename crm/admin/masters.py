from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from unfold.contrib.import_export.forms import ExportForm, ImportForm

from ..models import Branch, ContactCategory, CustomerCategory, Product, StaffDepartment
from .. import permission_codes as codes
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
        return request.user.has_perms([codes.IMPORT_CUSTOMERS, codes.ADD_PRODUCT, codes.CHANGE_PRODUCT])

    def has_export_permission(self, request):
        return request.user.has_perms([codes.EXPORT_CUSTOMERS, codes.VIEW_PRODUCT])

    list_display = ["code", "name", "category", "unit_price", "is_active"]
    list_filter = ["is_active", "category"]
    search_fields = ["code", "name"]
