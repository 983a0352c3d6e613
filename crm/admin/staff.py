from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.widgets import UnfoldAdminSelectMultipleWidget

from audit import events as audit_events
from audit.models import AuditEvent

from .. import permissions
from ..models import Branch, Staff
from .base import AuditedAdminMixin, PermissionNamesMixin, PlainDeleteSummaryMixin

admin.site.unregister(Group)


class BranchesField(forms.ModelMultipleChoiceField):
    """Branches whose customers this person sees: stored as guardian object permissions (R2)."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Branch.objects.all(), required=False, label=_("Branches"),
            help_text=_("Customers of these branches are visible. Head-office staff see every branch."),
            widget=UnfoldAdminSelectMultipleWidget, **kwargs,
        )


class StaffChangeForm(UserChangeForm):
    branches = BranchesField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # 「パスワードは設定済みです」, not the hash's algorithm, iterations and salt.
        self.fields["password"].widget.template_name = "crm/widgets/password_set.html"
        if self.instance.pk:
            self.fields["branches"].initial = list(permissions.staff_branches(self.instance))


class StaffCreationForm(UserCreationForm):
    branches = BranchesField()


@admin.register(Staff)
class StaffAdmin(PermissionNamesMixin, PlainDeleteSummaryMixin, AuditedAdminMixin, DjangoUserAdmin, ModelAdmin):
    """利用者: roles (groups), branches and department are assigned here, by admins only."""

    audit_action = AuditEvent.Action.ROLE
    form = StaffChangeForm
    add_form = StaffCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["username", "display_name", "department", "role_names", "is_head_office", "is_active", "last_login"]
    list_filter = ["department", "is_head_office", "is_active", "groups"]
    search_fields = ["username", "display_name", "display_name_kana", "email"]
    filter_horizontal = ["groups", "user_permissions"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["display_name", "display_name_kana", "email", "department"]}),
        (_("Role and scope"), {"fields": ["groups", "is_head_office", "branches"]}),
        (_("System"), {"fields": ["is_active", "is_staff", "is_superuser", "user_permissions", "last_login",
                                  "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2"]}),
        (_("Person"), {"fields": ["display_name", "display_name_kana", "department"]}),
        (_("Role and scope"), {"fields": ["groups", "is_head_office", "branches"]}),
    ]

    actions = ["unlock"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("department").prefetch_related("groups")

    @admin.action(description=_("Unlock (after too many failed logins)"), permissions=["change"])
    def unlock(self, request, queryset):
        from axes.utils import reset

        names = list(queryset.values_list("username", flat=True))
        for username in names:
            reset(username=username)
        audit_events.bulk_action(request=request, name="unlock", rows=len(names))
        self.message_user(request, _("Unlocked: %(names)s") % {"names": "、".join(names)})

    @admin.display(description=_("Role"))
    def role_names(self, obj):
        return "、".join(group.name for group in obj.groups.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "branches" in form.cleaned_data:
            permissions.staff_set_branches(staff=form.instance, branches=form.cleaned_data["branches"])


@admin.register(Group)
class GroupAdmin(PermissionNamesMixin, PlainDeleteSummaryMixin, AuditedAdminMixin, DjangoGroupAdmin, ModelAdmin):
    audit_action = AuditEvent.Action.ROLE
