"""R1: the five roles of the package Kokyaku replaces, as groups with permissions.

The data migration 0006 creates them; admins may adjust a group's permissions afterwards on
the 権限グループ screen, and assign roles to staff on the 利用者 screen.
"""

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

ROLE_PERMISSIONS: dict[str, list[str]] = {
    GENERAL: _WORK + ["crm.export_customer", "crm.print_customer"],
    GENERAL_NO_EXPORT: _WORK + ["crm.print_customer"],
    GENERAL_NO_PRINT: _WORK + ["crm.export_customer"],
    READ_ONLY: _VIEW,
    # 管理者: everything in these apps (項目名設定, users, system settings, bulk delete, import).
    ADMIN: ["crm.*", "fieldconfig.*", "audit.*", "auth.*", "axes.*"],
}
ROLE_ORDER = [ADMIN, GENERAL, GENERAL_NO_EXPORT, GENERAL_NO_PRINT, READ_ONLY]


def sync_roles(apps) -> None:
    """Create the role groups with their permissions (used by the data migration)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in ROLE_ORDER:
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for dotted in ROLE_PERMISSIONS[name]:
            app_label, codename = dotted.split(".")
            rows = Permission.objects.filter(content_type__app_label=app_label)
            permissions += list(rows if codename == "*" else rows.filter(codename=codename))
        group.permissions.set(permissions)
