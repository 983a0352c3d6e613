from django.contrib import admin
from django.db import connection

from ..db import branch_search_indexes_sync
from ..models import Branch, ContactCategory, CustomerCategory, Product, StaffDepartment
from .base import KokyakuAdmin


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
class ProductAdmin(KokyakuAdmin):
    list_display = ["code", "name", "category", "unit_price", "is_active"]
    list_filter = ["is_active", "category"]
    search_fields = ["code", "name"]
