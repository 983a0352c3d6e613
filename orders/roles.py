"""What each role (crm.roles) may do with orders and estimates.

Everyone who sees customers sees their orders and estimates; the roles that edit customers take
orders, register shipments and payments, and write estimates; 管理者 also deletes orders and keeps the
媒体 master and the order settings. Printing (見積書, 請求書, 納品書) asks crm's print permission, exporting crm's export
permission, through crm.permissions, like every other printout and export.
"""

from django.apps import apps as global_apps

from crm import roles

DOCUMENTS = ["order", "orderline", "payment", "estimate", "estimateline"]
VIEW = [f"view_{m}" for m in DOCUMENTS + ["medium"]]  # the settings are the admins'
# An order, once taken, is deleted by 管理者 only (its lines and a wrong payment may be removed by who edits it).
WORK = VIEW + [f"{action}_{m}" for m in DOCUMENTS for action in ("add", "change", "delete")
               if (action, m) != ("delete", "order")]

ROLE_PERMISSIONS = {
    roles.ADMIN: ["*"],
    roles.GENERAL: WORK,
    roles.GENERAL_NO_EXPORT: WORK,
    roles.GENERAL_NO_PRINT: WORK,
    roles.READ_ONLY: VIEW,
}


def grant_role_permissions(sender=None, using="default", apps=global_apps, **kwargs):
    """Add this app's permissions to the role groups that exist (post_migrate, after the last app's
    permissions are created). Permissions the
    admins took away from a role on the 権限グループ screen come back only if the role was recreated:
    a group that already holds any orders permission is left as it is."""
    if sender is not None and sender is not list(global_apps.get_app_configs())[-1]:
        return
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ours = Permission.objects.using(using).filter(content_type__app_label="orders")
    for name, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.using(using).filter(name=name).first()
        if group is None or group.permissions.filter(content_type__app_label="orders").exists():
            continue
        group.permissions.add(*(ours if codenames == ["*"] else ours.filter(codename__in=codenames)))
