from django.contrib import admin

from ..models import Branch, ContactCategory, CustomerCategory, Product, StaffDepartment
from .base import KokyakuAdmin


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
class ProductAdmin(KokyakuAdmin):
    list_display = ["code", "name", "category", "unit_price", "is_active"]
    list_filter = ["is_active", "category"]
    search_fields = ["code", "name"]
