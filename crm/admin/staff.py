from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from ..models import Staff

admin.site.unregister(Group)


@admin.register(Staff)
class StaffAdmin(DjangoUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["username", "display_name", "department", "is_head_office", "is_active", "last_login"]
    list_filter = ["department", "is_head_office", "is_active", "groups"]
    search_fields = ["username", "display_name", "display_name_kana", "email"]
    filter_horizontal = ["groups", "user_permissions", "branches"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["display_name", "display_name_kana", "email", "department"]}),
        (_("Scope"), {"fields": ["is_head_office", "branches", "groups"]}),
        (_("System"), {"fields": ["is_active", "is_staff", "is_superuser", "user_permissions", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2"]}),
        (_("Person"), {"fields": ["display_name", "display_name_kana", "department", "is_head_office", "branches"]}),
    ]


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin, ModelAdmin):
    pass
