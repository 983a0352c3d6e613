from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget

from audit import events as audit_events
from audit.models import AuditEvent
from fieldconfig.lookup import config

from .. import permissions, roles
from ..models import Branch, Staff
from .base import AuditedAdminMixin, PermissionNamesMixin, PlainDeleteSummaryMixin

admin.site.unregister(Group)


class BranchesField(forms.ModelMultipleChoiceField):
    """Branches whose customers this person sees: stored as guardian object permissions (R2)."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Branch.objects.all(), required=False, label=_("Branches"),
            help_text=_("Customers of these branches are visible. Head-office staff see every branch."),
            widget=UnfoldAdminCheckboxSelectMultipleWidget(attrs={"class": "kokyaku-choice-grid"}), **kwargs,
        )


class RolesField(forms.ModelMultipleChoiceField):
    """The roles (groups) of a person as checkboxes, each with what it may do (R1)."""

    def __init__(self, **kwargs):
        kwargs["widget"] = UnfoldAdminCheckboxSelectMultipleWidget(attrs={"class": "kokyaku-choice-list"})
        super().__init__(**kwargs)
        self._states = None

    def label_from_instance(self, group):
        if self._states is None:
            # one query for every group's permissions, not one per checkbox
            by_capability = roles.capability_permission_ids()
            held = {}
            for group_id, permission_id in Group.permissions.through.objects.values_list("group_id",
                                                                                         "permission_id"):
                held.setdefault(group_id, set()).add(permission_id)
            self._states = {gid: roles.capability_states(ids, by_capability) for gid, ids in held.items()}
            self._by_capability = by_capability
        states = self._states.get(group.pk) or roles.capability_states(set(), self._by_capability)
        return f"{group.name}（{roles.role_summary(states)}）"


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
    filter_horizontal = ["user_permissions"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["display_name", "display_name_kana", "email", "department", "is_department_head"]}),
        (_("Role and scope"), {"fields": ["groups", "is_head_office", "branches"]}),
        (_("System"), {"fields": ["is_active", "is_staff", "is_superuser", "last_login", "date_joined"]}),
        # Roles are how permissions are given; a permission of one person alone is the exception.
        (_("Permissions of this person alone (besides the roles)"),
         {"classes": ["collapse"], "fields": ["user_permissions"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2"]}),
        (_("Person"), {"fields": ["display_name", "display_name_kana", "department", "is_department_head"]}),
        (_("Role and scope"), {"fields": ["groups", "is_head_office", "branches"]}),
    ]

    actions = ["unlock"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("department").prefetch_related("groups")

    def get_list_display(self, request):
        # 店舗・拠点 after the role (issue 22, point 22): read once per page for every row, and
        # made fresh for each request (the class is shared).
        columns = list(super().get_list_display(request))
        columns.insert(columns.index("role_names") + 1, _branches_column(request.user))
        return columns

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            return RolesField(queryset=Group.objects.order_by(roles.role_rank(), "name"), required=False, label=_("Roles"),
                              help_text=_("What each role may do is set on Settings → Roles."))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

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
            permissions.staff_set_branches(staff=form.instance, branches=form.cleaned_data["branches"],
                                           editor=request.user)


class RoleForm(forms.ModelForm):
    """A role: its name, what it may do in the words of the role matrix, and (folded away) the
    individual permissions those words stand for."""

    capabilities = forms.MultipleChoiceField(
        label=_("What this role may do"), required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget(attrs={"class": "kokyaku-choice-list"}),
        choices=[(c.key, c.label) for c in roles.CAPABILITIES],
        help_text=_("Ticking one gives the role every permission it stands for; unticking takes them away. "
                    "Marked partly: the role holds only some of them (see the individual permissions below)."),
    )

    class Meta:
        model = Group
        fields = ["name", "capabilities", "permissions"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        held = set(self.instance.permissions.values_list("id", flat=True)) if self.instance.pk else set()
        self.states = roles.capability_states(held, roles.capability_permission_ids())
        self.fields["capabilities"].initial = [key for key, state in self.states.items() if state == roles.YES]
        self.fields["capabilities"].choices = [
            (c.key, format_html("{}（{}）{}", c.label, c.detail,
                                format_html("　<strong>{}</strong>", _("partly")) if self.states[c.key] == roles.PARTLY
                                else ""))
            for c in roles.CAPABILITIES
        ]

    def capability_changes(self) -> tuple[set[str], set[str]]:
        """(granted, revoked): only the boxes the user changed; a partly held one left unticked stays."""
        before = set(self.fields["capabilities"].initial)
        after = set(self.cleaned_data.get("capabilities") or [])
        return after - before, before - after


@admin.register(Group)
class GroupAdmin(PermissionNamesMixin, PlainDeleteSummaryMixin, AuditedAdminMixin, DjangoGroupAdmin, ModelAdmin):
    """権限グループ: each role shows what it may do as the role matrix of docs/features.md (R1) says."""

    audit_action = AuditEvent.Action.ROLE
    form = RoleForm
    fieldsets = [
        (None, {"fields": ["name", "capabilities"]}),
        (_("Individual permissions (advanced)"), {"classes": ["collapse"], "fields": ["permissions"]}),
    ]
    list_display = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("permissions")

    def get_ordering(self, request):
        return [roles.role_rank(), "name"]

    def get_list_display(self, request):
        # One column per capability, made fresh for each request (the class is shared).
        by_capability = roles.capability_permission_ids()
        return ["name"] + [_capability_column(capability, by_capability) for capability in roles.CAPABILITIES]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        grant, revoke = form.capability_changes()
        roles.role_set_capabilities(group=form.instance, grant=grant, revoke=revoke)


def _branches_column(viewer):
    granted = None

    def column(staff):
        nonlocal granted
        if staff.is_head_office or staff.is_superuser:
            return _("Every branch (head office)")
        if granted is None:
            granted = permissions.staff_branch_names(viewer=viewer)
        return "、".join(granted.get(staff.pk, [])) or "－"

    column.short_description = config().label("customer", "branch")
    column.__name__ = "column_branches"
    return column


def _capability_column(capability, by_capability):
    marks = {roles.YES: "○", roles.PARTLY: _("partly"), roles.NO: "－"}

    def column(group):
        held = {p.pk for p in group.permissions.all()}
        return marks[roles.capability_states(held, {capability.key: by_capability[capability.key]})[capability.key]]

    column.short_description = capability.label
    column.__name__ = f"capability_{capability.key}"
    return column
