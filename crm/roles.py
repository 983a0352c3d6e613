"""R1: the five roles of the package Kokyaku replaces, as groups with permissions.

The data migration 0006 creates them; admins may adjust a group's permissions afterwards on
the 権限グループ screen, and assign roles to staff on the 利用者 screen.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import extensions

ADMIN = "管理者"
GENERAL = "一般"
GENERAL_NO_EXPORT = "一般・出力不可"
GENERAL_NO_PRINT = "一般・印刷不可"
READ_ONLY = "参照のみ"

CUSTOMER_RECORDS = ["customer", "contacthistory", "contactattachment", "purchase", "familymember", "careerentry",
                    "customerphone"]
MASTERS = ["product", "branch", "customercategory", "contactcategory", "staffdepartment"]


def _codenames(models, actions):
    return [f"crm.{action}_{model}" for model in models for action in actions]


_VIEW = _codenames(CUSTOMER_RECORDS + MASTERS, ["view"]) + ["crm.view_savedsearch", "crm.add_savedsearch"]
_WORK = (
    _VIEW
    + _codenames(CUSTOMER_RECORDS, ["add", "change"])
    # entries hanging off a customer may be corrected by deleting them; customers are deleted by admins only
    + _codenames([m for m in CUSTOMER_RECORDS if m != "customer"], ["delete"])
)
# 管理者: everything in these apps (項目名設定, users, system settings, bulk delete, import).
_ADMIN = ["crm.*", "fieldconfig.*", "audit.*", "auth.*", "axes.*"]


def view_permissions() -> list[str]:
    """What every role sees: the customers' records and masters, and what the features grant to view
    (crm.extensions.grant(VIEW, …): the events app's events, lists, gifts and 喪中)."""
    return _VIEW + extensions.granted(extensions.VIEW)


def work_permissions() -> list[str]:
    """What the general roles may do: view, add and change customers and their records, and what the
    features grant to those who work on customers (crm.extensions.grant(WORK, …))."""
    return _WORK + extensions.granted(extensions.VIEW) + extensions.granted(extensions.WORK)


def role_permissions() -> dict[str, list[str]]:
    """Each role's permissions (dotted codenames; "app.*" is every permission of the app), the core's and
    those the features granted through crm.extensions."""
    work = work_permissions()
    return {
        GENERAL: work + ["crm.export_customer", "crm.print_customer"],
        GENERAL_NO_EXPORT: work + ["crm.print_customer"],
        GENERAL_NO_PRINT: work + ["crm.export_customer"],
        READ_ONLY: view_permissions(),
        ADMIN: _ADMIN + extensions.granted(extensions.ADMIN),
    }


ROLE_ORDER = [ADMIN, GENERAL, GENERAL_NO_EXPORT, GENERAL_NO_PRINT, READ_ONLY]


def grant_app_permissions(apps, app_label: str) -> None:
    """Give each role the permissions role_permissions() names in one app, leaving the rest of the role as
    the admins set it (the data migration of an app that comes after the roles)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    by_role = role_permissions()
    for name in ROLE_ORDER:
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        for dotted in by_role[name]:
            label, codename = dotted.split(".")
            if label != app_label:
                continue
            rows = Permission.objects.filter(content_type__app_label=label)
            group.permissions.add(*(rows if codename == "*" else rows.filter(codename=codename)))


def grant_new_apps(apps, using: str = "default") -> None:
    """Give each existing role group the permissions role_permissions() names in an app the group holds
    nothing of yet: a feature app installed after the roles were made (its grants come through
    crm.extensions.grant). An app the group already holds any permission of is left as the admins set it,
    so permissions taken away on the 権限グループ screen stay away (run after every migrate, by crm.apps)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    by_role = role_permissions()
    for name in ROLE_ORDER:
        group = Group.objects.using(using).filter(name=name).first()
        if group is None:
            continue
        held = set(group.permissions.values_list("content_type__app_label", flat=True).distinct())
        wanted: dict[str, list[str]] = {}
        for dotted in by_role[name]:
            label, codename = dotted.split(".")
            if label not in held:
                wanted.setdefault(label, []).append(codename)
        for label, codenames in wanted.items():
            rows = Permission.objects.using(using).filter(content_type__app_label=label)
            group.permissions.add(*(rows if "*" in codenames else rows.filter(codename__in=codenames)))


def role_rank():
    """An ordering for groups as the role matrix lists them (管理者 first), then any other group."""
    from django.db.models import Case, IntegerField, Value, When

    return Case(*[When(name=name, then=Value(i)) for i, name in enumerate(ROLE_ORDER)],
                default=Value(len(ROLE_ORDER)), output_field=IntegerField()).asc()


def sync_roles(apps) -> None:
    """Create the role groups with their permissions (used by the data migration)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    by_role = role_permissions()
    for name in ROLE_ORDER:
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for dotted in by_role[name]:
            app_label, codename = dotted.split(".")
            rows = Permission.objects.filter(content_type__app_label=app_label)
            permissions += list(rows if codename == "*" else rows.filter(codename=codename))
        group.permissions.set(permissions)


# --- what a role may do, in the words of the role matrix (docs/features.md, R1; the 権限グループ screen) ---------
@dataclass(frozen=True)
class Capability:
    """One column of the role matrix: what people call it, and the permissions it stands for."""

    key: str
    label: str
    detail: str
    # dotted codenames ("app.*" is every permission of that app), or a function giving them (read when
    # asked: the features' grants are registered when the apps load)
    needs: tuple[str, ...] | Callable[[], Iterable[str]] = ()

    @property
    def permissions(self) -> tuple[str, ...]:
        return tuple(self.needs() if callable(self.needs) else self.needs)


SETTINGS = "settings"
CAPABILITIES = [
    Capability("view", _("View customers"), _("list, card, history, search, masters"), view_permissions),
    Capability("edit", _("Edit and add customers"),
               _("customers, contact histories, purchases, family, career; delete those histories"),
               lambda: [p for p in work_permissions() if p not in set(view_permissions())]),
    Capability("delete", _("Delete customers"), _("one by one or in bulk"), ("crm.delete_customer",)),
    Capability("export", _("Export customers"), _("CSV and Excel files"), ("crm.export_customer",)),
    Capability("print", _("Print customers"), _("lists, labels, postcards (PDF)"), ("crm.print_customer",)),
    Capability("import", _("Import customers"), _("CSV and Excel files"), ("crm.import_customer",)),
    # Everything else 管理者 holds: role_permissions()[ADMIN] less what the columns above name.
    Capability(SETTINGS, _("Settings"), _("field names, staff, roles, access log, editing the masters"), ()),
]
YES, PARTLY, NO = "yes", "partly", "no"


def _expand(dotted: Iterable[str]) -> set[int]:
    """Permission ids of dotted codenames ("crm.view_customer", "audit.*")."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    query = Q(pk__in=[])
    for spec in dotted:
        app_label, codename = spec.split(".")
        query |= Q(content_type__app_label=app_label) if codename == "*" else Q(
            content_type__app_label=app_label, codename=codename)
    # simple-history's models have no screen: their permissions mean nothing to a role
    rows = Permission.objects.filter(query).exclude(content_type__model__startswith="historical")
    return set(rows.values_list("id", flat=True))


def capability_permission_ids() -> dict[str, set[int]]:
    """Each capability's permission ids; the settings column is the rest of what 管理者 holds."""
    ids = {c.key: _expand(c.permissions) for c in CAPABILITIES if c.key != SETTINGS}
    ids[SETTINGS] = _expand(role_permissions()[ADMIN]) - set().union(*ids.values())
    return ids


def capability_states(permission_ids: set[int], by_capability: dict[str, set[int]]) -> dict[str, str]:
    """YES when a role holds every permission of a capability, PARTLY some, NO none."""
    states = {}
    for key, wanted in by_capability.items():
        held = len(wanted & permission_ids)
        states[key] = YES if wanted and held == len(wanted) else PARTLY if held else NO
    return states


def role_capabilities(group) -> dict[str, str]:
    return capability_states(set(group.permissions.values_list("id", flat=True)), capability_permission_ids())


def role_summary(states: dict[str, str]) -> str:
    """「顧客の参照、顧客の編集・追加、出力」: what a role may do, in one line."""
    held = [str(c.label) for c in CAPABILITIES if states.get(c.key) == YES]
    partly = [str(c.label) for c in CAPABILITIES if states.get(c.key) == PARTLY]
    text = "、".join(held) if held else str(_("nothing"))
    if partly:
        text += str(_(" (partly: %(names)s)")) % {"names": "、".join(partly)}
    return text


def role_set_capabilities(*, group, grant: Iterable[str] = (), revoke: Iterable[str] = ()) -> None:
    """Give a role every permission of the capabilities in `grant`, take away those of `revoke`;
    permissions of the capabilities not named stay as they are."""
    by_capability = capability_permission_ids()
    for key in grant:
        group.permissions.add(*by_capability[key])
    for key in revoke:
        group.permissions.remove(*by_capability[key])
