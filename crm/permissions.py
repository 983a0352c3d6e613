"""The one place that decides who may see which customers (R2), which fields (R3) and what to do (R1).

Every path that lists or opens customer data calls `visible_customers` / `visible_related`
(or `customer_scope_filter` for raw querysets); every screen asks `invisible_fields` before it
shows, searches or writes a field; every pulldown, autocomplete and checkbox list of a form offers
`visible_choices` (the admin base applies `scope_choice_fields` to every form once it is built).
Branch access is a django-guardian object permission on
Branch (`crm.access_branch`), granted to a user or to a group; head-office staff and
superusers see every branch.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_objects_for_user

from fieldconfig.defaults import DEFAULT_LABELS
from fieldconfig.lookup import config

from . import permission_codes as codes
from .models import Branch, Customer, Staff

# the codes by their old names here too (crm/permission_codes.py names every code)
BRANCH_PERMISSION = codes.ACCESS_BRANCH
PRINT_PERMISSION = codes.PRINT_CUSTOMERS
EXPORT_PERMISSION = codes.EXPORT_CUSTOMERS
IMPORT_PERMISSION = codes.IMPORT_CUSTOMERS


# --- the policy of one user, built once per request or job ------------------------------
class Policy:
    """What one user may see and do: their branches (R2), the fields they may not see of each model
    (R3), and what they may do besides the model permissions (R1: export, print, import). Built once
    by `policy_for(user)` and kept on that user object, which is a request's own (request.user) or a
    job's (job.owner): the admin base's hooks, the views, the jobs and the module functions below all
    read this one object. A field's visibility follows the configuration snapshot in force."""

    def __init__(self, user):
        self.user = user
        self._snapshot = None
        self._invisible: dict[str, frozenset[str]] = {}

    @property
    def sees_all_branches(self) -> bool:
        user = self.user
        return bool(user.is_active and (user.is_superuser or getattr(user, "is_head_office", False)))

    @property
    def branch_ids(self) -> list[int]:
        return visible_branch_ids(self.user)

    def invisible(self, model) -> frozenset[str]:
        """Fields of `model` (a class, an instance or its config name) this user may not see."""
        name = config_name(model)
        if name is None:
            return frozenset()
        snapshot = config()
        if snapshot is not self._snapshot:  # the configuration changed: decide again
            self._snapshot, self._invisible = snapshot, {}
        if name not in self._invisible:
            self._invisible[name] = frozenset(snapshot.hidden_fields(name) | restricted_fields(self.user, name))
        return self._invisible[name]

    @property
    def may_export(self) -> bool:
        return self.user.has_perm(codes.EXPORT_CUSTOMERS)

    @property
    def may_print(self) -> bool:
        return self.user.has_perm(codes.PRINT_CUSTOMERS)

    @property
    def may_import(self) -> bool:
        return self.user.has_perm(codes.IMPORT_CUSTOMERS)


def policy_for(user) -> Policy:
    """The user's policy, built on first use and kept on the user object (one per request or job)."""
    policy = getattr(user, "_kokyaku_policy", None)
    if policy is None:
        policy = Policy(user)
        user._kokyaku_policy = policy
    return policy


# --- branch scope (R2) -------------------------------------------------------------------
def sees_all_branches(user) -> bool:
    return bool(user.is_active and (user.is_superuser or getattr(user, "is_head_office", False)))


def visible_branch_ids(user) -> list[int]:
    """Branches granted to the user or one of their groups. Read once per request (per user object),
    so a removed assignment takes effect at the user's next request."""
    cached = getattr(user, "_visible_branch_ids", None)
    if cached is None:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            cached = []
        else:
            cached = list(
                get_objects_for_user(
                    user, BRANCH_PERMISSION, klass=Branch, with_superuser=False, accept_global_perms=False
                ).values_list("id", flat=True)
            )
        user._visible_branch_ids = cached
    return cached


def customer_scope_filter(user, prefix: str = "") -> Q:
    """A filter for any queryset reaching customers through `prefix` (e.g. 'customer__')."""
    if sees_all_branches(user):
        return Q()
    return Q(**{f"{prefix}branch_id__in": visible_branch_ids(user)})


def visible_customers(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Customer.objects.all() if queryset is None else queryset
    return queryset.filter(customer_scope_filter(user))


def visible_related(user, queryset: QuerySet, prefix: str = "customer__") -> QuerySet:
    return queryset.filter(customer_scope_filter(user, prefix))


def branch_owned_filter(user, field: str = "branch") -> Q:
    """A filter for records owned by a branch or by none (for every branch), such as business
    events: a record without a branch is seen by everyone, one with a branch by those who see it."""
    if sees_all_branches(user):
        return Q()
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}_id__in": visible_branch_ids(user)})


def visible_branches(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Branch.objects.all() if queryset is None else queryset
    if sees_all_branches(user):
        return queryset
    return queryset.filter(id__in=visible_branch_ids(user))


# --- what a pulldown may offer (R2) ------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """How the rows of a model are scoped: through the customer at `customer_path` ('customer__';
    '' for Customer itself), and / or as owned by the branch at `branch_field` ('branch'; '' for
    Branch itself), a row of no branch being everyone's (branch_owned_filter)."""

    customer_path: str | None = None
    branch_field: str | None = None


# crm declares its own models here; a feature app declares its models from its AppConfig.ready()
# with `register_scope`, so crm never imports them. A model not declared is scoped by its first
# foreign key to Customer, else to Branch; one with neither is a master everyone is offered
# (products, categories, departments, staff, gift items).
_SCOPES: dict[str, Scope] = {
    "crm.Customer": Scope(customer_path=""),
    "crm.Branch": Scope(branch_field=""),
    "crm.ContactAttachment": Scope(customer_path="contact__customer__"),
}


def register_scope(label: str, *, customer_path: str | None = None, branch_field: str | None = None) -> None:
    """Declare how rows of the model `label` ('events.EventLink') are scoped (see Scope)."""
    if customer_path is None and branch_field is None:
        raise ValueError("Give customer_path, branch_field or both.")
    _SCOPES[label] = Scope(customer_path, branch_field)


def scope_of(model) -> Scope | None:
    """How rows of `model` are scoped, or None for a master everyone sees."""
    model = model._meta.concrete_model
    if model._meta.label in _SCOPES:
        return _SCOPES[model._meta.label]
    relations = [f for f in model._meta.concrete_fields if f.many_to_one and f.related_model is not None]
    for field in relations:
        if field.related_model._meta.label == "crm.Customer":
            return Scope(customer_path=f"{field.name}__")
    for field in relations:
        if field.related_model._meta.label == "crm.Branch":
            return Scope(branch_field=field.name)
    return None


def visible_choices(user, queryset: QuerySet) -> QuerySet:
    """The rows of `queryset` this user may be offered in a pulldown, an autocomplete or a checkbox
    list: customers and what hangs off them of the user's branches, branch-owned records of those
    branches (or of none), the branches themselves; masters as they are."""
    scope = scope_of(queryset.model)
    if scope is None or sees_all_branches(user):
        return queryset
    if scope.customer_path is not None:
        queryset = queryset.filter(customer_scope_filter(user, scope.customer_path))
    if scope.branch_field == "":
        queryset = visible_branches(user, queryset)
    elif scope.branch_field is not None:
        queryset = queryset.filter(branch_owned_filter(user, scope.branch_field))
    return queryset


def scope_choice_fields(user, fields) -> None:
    """Every model-choice field of a built form (`form.fields`) offers and accepts only what the user
    may see: its choices, the option a URL preselects, and what a POST may name."""
    from django.forms import ModelChoiceField

    for field in fields.values():
        if isinstance(field, ModelChoiceField) and field.queryset is not None:
            scoped = visible_choices(user, field.queryset)
            if scoped is not field.queryset:
                field.queryset = scoped


def branch_staff_ids(user) -> set[int]:
    """The staff who work in the branches this user sees (granted one of them, directly or through a
    group), and the user. Read once per request (per user object)."""
    cached = getattr(user, "_branch_staff_ids", None)
    if cached is None:
        from guardian.shortcuts import get_users_with_perms


        cached = {user.pk} if getattr(user, "pk", None) else set()
        for branch in Branch.objects.filter(id__in=visible_branch_ids(user)):
            cached |= set(get_users_with_perms(branch, only_with_perms_in=["access_branch"], with_group_users=True,
                                               with_superusers=False).values_list("id", flat=True))
        user._branch_staff_ids = cached
    return cached


def staff_seeing_branch_filter(*branch_ids) -> Q:
    """A filter on Staff: the people who may see the customers of any of `branch_ids` (head office and
    superusers, and those granted one of them, directly or through a group). The same rule as
    `visible_branch_ids` / `sees_all_branches`, as one query for a pulldown; active or not (ask
    `is_active` besides)."""
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import GroupObjectPermission, UserObjectPermission

    app_label, codename = BRANCH_PERMISSION.split(".")
    granted = {"permission__codename": codename, "permission__content_type__app_label": app_label,
               "content_type": ContentType.objects.get_for_model(Branch),
               "object_pk__in": [str(pk) for pk in branch_ids]}
    users = UserObjectPermission.objects.filter(**granted).values("user_id")
    groups = GroupObjectPermission.objects.filter(**granted).values("group_id")
    members = Staff.groups.through.objects.filter(group_id__in=groups).values("staff_id")
    return Q(is_superuser=True) | Q(is_head_office=True) | Q(pk__in=users) | Q(pk__in=members)


def staff_with_permission_filter(code: str) -> Q:
    """A filter on Staff: the people who hold the model permission `code` ('app.codename'), directly,
    through a group, or as superusers (Django's ModelBackend rule, as one query)."""
    from django.contrib.auth.models import Permission

    app_label, codename = code.split(".")
    perm = Permission.objects.filter(codename=codename, content_type__app_label=app_label).values("pk")
    direct = Staff.user_permissions.through.objects.filter(permission_id__in=perm).values("staff_id")
    groups = Staff.groups.through.objects.filter(group__permissions__in=perm).values("staff_id")
    return Q(is_superuser=True) | Q(pk__in=direct) | Q(pk__in=groups)


def audit_scope_filter(user) -> Q:
    """The audit log entries (R4) this user reads, as a filter on audit.AuditEvent. Head office reads
    every entry. An admin limited to branches (a store manager) reads the entries about their
    branches' data (a customer, what hangs off one, a branch's event: AuditEvent.branch_id at the
    time of writing) and the entries about no branch's data (logins, logouts, exports, prints,
    imports, bulk actions, refusals, settings) made by their branches' staff, failed logins under
    those staff's user names included. Entries about several branches' data (a merge across
    branches), and those of anyone else, are head office's."""
    if sees_all_branches(user):
        return Q()

    staff = branch_staff_ids(user)
    names = Staff.objects.filter(pk__in=staff).values("username")
    by_staff = Q(user_id__in=staff) | Q(user__isnull=True, username__in=names)
    return Q(cross_branch=False) & (Q(branch_id__in=visible_branch_ids(user)) | (Q(branch_id__isnull=True) & by_staff))


def staff_set_branches(*, staff, branches, editor=None) -> None:
    """Grant exactly these branches to the staff member (guardian object permissions). With an
    `editor` (the admin on the staff screen), the branches the editor cannot see were never offered
    to them: those the staff member holds stay as they are."""
    from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

    current = set(
        get_objects_for_user(staff, BRANCH_PERMISSION, with_superuser=False, accept_global_perms=False,
                             use_groups=False)
    )
    wanted = set(branches)
    if editor is not None and not sees_all_branches(editor):
        offered = set(visible_branch_ids(editor))
        wanted = {b for b in wanted if b.pk in offered} | {b for b in current if b.pk not in offered}
    for branch in current - wanted:
        remove_perm(BRANCH_PERMISSION, staff, branch)
    for branch in wanted - current:
        assign_perm(BRANCH_PERMISSION, staff, branch)
    if hasattr(staff, "_visible_branch_ids"):
        del staff._visible_branch_ids


def staff_branches(staff):
    return get_objects_for_user(staff, BRANCH_PERMISSION, with_superuser=False, accept_global_perms=False,
                                use_groups=False)


def staff_branch_names(*, viewer) -> dict[int, list[str]]:
    """Every staff member's branches by name, as far as `viewer` may see branches (利用者一覧's
    店舗・拠点 column): two queries for the whole list, whatever its length."""
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    from .models import Branch

    app_label, codename = BRANCH_PERMISSION.split(".")
    names = {str(pk): name for pk, name in visible_branches(viewer).order_by("code", "pk").values_list("pk", "name")}
    order = list(names)
    granted: dict[int, list[str]] = {}
    rows = UserObjectPermission.objects.filter(
        permission__codename=codename, permission__content_type__app_label=app_label,
        content_type=ContentType.objects.get_for_model(Branch),
    ).values_list("user_id", "object_pk")
    for user_id, object_pk in sorted(rows, key=lambda row: order.index(row[1]) if row[1] in names else 0):
        if object_pk in names:
            granted.setdefault(user_id, []).append(names[object_pk])
    return granted


# --- restricted and hidden fields (R3, C3) ----------------------------------------------
def config_name(model) -> str | None:
    """The fieldconfig name of a model ('customer', 'contacthistory' …), or None when its fields are
    not configurable. Accepts a model class, an instance or the name itself."""
    name = model if isinstance(model, str) else model._meta.model_name
    return name if name in DEFAULT_LABELS else None


def user_group_ids(user) -> set[int]:
    cached = getattr(user, "_kokyaku_group_ids", None)
    if cached is None:
        cached = set(user.groups.values_list("id", flat=True)) if getattr(user, "is_authenticated", False) else set()
        user._kokyaku_group_ids = cached
    return cached


def restricted_fields(user, model) -> set[str]:
    """Fields of `model` this user may not see, search, export or print."""
    name = config_name(model)
    restricted = config().restricted_fields(name) if name else {}
    if not restricted or getattr(user, "is_superuser", False):
        return set()
    groups = user_group_ids(user)
    return {field for field, group_id in restricted.items() if group_id not in groups}


RESTRICTED_FIELD = _("Restricted field")


def field_label_for(user, model, name: str) -> str | None:
    """How a field of `model` (a model class) is named to this user wherever it is named from
    storage (the audit log's changed fields): its configured label, or 「制限項目」 when it is a
    field restricted from the user (R3: outside 項目名設定 never its label, nor its value).
    None when the model has no such field."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if name in restricted_fields(user, model):
        return str(RESTRICTED_FIELD)
    config_model = config_name(model)
    if config_model is not None and name in DEFAULT_LABELS[config_model]:
        return config().label(config_model, name)
    return str(capfirst(getattr(field, "verbose_name", name)))


def invisible_fields(user, model) -> set[str]:
    """Hidden by the office (unused) or restricted from this user: never shown, searched, filtered,
    exported, printed or written by them. `model` is a model class, an instance or its config name."""
    return set(policy_for(user).invisible(model))


def users_who_see_any(user_ids, model, fields) -> set[int]:
    """Of these users, those who may see at least one of `fields` of `model` (R3): one query
    when a restricted field is among them, none otherwise."""
    user_ids = set(user_ids)
    name = config_name(model)
    if name is None or not user_ids:
        return user_ids
    wanted = set(fields) - config().hidden_fields(name)
    restricted = config().restricted_fields(name)
    if not wanted:
        return set()
    if wanted - set(restricted):
        return user_ids  # a field everyone may see
    from django.contrib.auth import get_user_model

    groups = {restricted[field] for field in wanted}
    return set(
        get_user_model().objects.filter(pk__in=user_ids)
        .filter(Q(is_superuser=True) | Q(groups__in=groups)).values_list("pk", flat=True)
    )


def invisible_path(user, model, path: str) -> bool:
    """Whether a lookup path ('remark8__startswith', 'customer__check40', 'category__id__exact')
    touches a field this user may not see, on this model or on a model it reaches."""
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a lookup or transform: the fields before it were all visible
        if field.name in invisible_fields(user, model):
            return True
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False


def keep_invisible_values(*, user, obj) -> None:
    """Before a write on an existing row: the fields this user cannot see get their stored values
    back, whatever the form, the restored version or the file said (R3)."""
    if obj.pk is None:
        return
    invisible = invisible_fields(user, obj)
    if not invisible:
        return
    names = [f.attname for f in obj._meta.concrete_fields if f.name in invisible]
    if not names:
        return
    stored = type(obj)._default_manager.filter(pk=obj.pk).values(*names).first()
    for attname, value in (stored or {}).items():
        setattr(obj, attname, value)


# --- actions (R1: export and import are checked by import-export's own permission codes) -----------------------------------------------------------------------
def can_print(user) -> bool:
    return policy_for(user).may_print


# --- work done later (background jobs and their results) ---------------------------------
LOST_ACCOUNT = "account"
LOST_PERMISSION = "permission"
LOST_BRANCHES = "branches"
UNKNOWN_BRANCHES = "unknown_branches"


def branch_ids_of(queryset, prefix: str = "") -> list:
    """The branches whose customers the rows of `queryset` are (through `prefix`, e.g. 'customer__'):
    what a result made of them covers, so the owner's scope can be checked again without the rows."""
    return sorted(set(queryset.order_by().values_list(f"{prefix}branch_id", flat=True).distinct()))


def lost_access(user, *, needs=(), branch_ids=None, rows_held: bool = False) -> str | None:
    """Why `user` may no longer do work they asked for earlier, or have its result; None if they may.

    Asked when a background job starts and when its result is downloaded, so a role changed or a
    branch taken away since the request counts (R1, R2): the account must still be active, still
    hold every permission in `needs`, and, for a result holding rows (`rows_held`), still see every
    branch of `branch_ids` (None: not recorded, so only someone who sees every branch may have it).
    """
    if user is None or not user.is_active:
        return LOST_ACCOUNT
    if needs and not user.has_perms(needs):
        return LOST_PERMISSION
    if rows_held and not sees_all_branches(user):
        if branch_ids is None:
            return UNKNOWN_BRANCHES
        if not set(branch_ids) <= set(visible_branch_ids(user)):
            return LOST_BRANCHES
    return None
