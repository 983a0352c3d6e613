"""What each role (crm.roles) may do with points: everyone who sees customers sees their points; the
roles that edit customers add entries (through the API, as the till's staff member); nobody changes or
deletes an entry (a correction is an entry of the opposite sign)."""

from django.apps import apps as global_apps

from crm import roles

VIEW = ["view_pointentry"]
WORK = VIEW + ["add_pointentry"]

ROLE_PERMISSIONS = {
    roles.ADMIN: WORK,
    roles.GENERAL: WORK,
    roles.GENERAL_NO_EXPORT: WORK,
    roles.GENERAL_NO_PRINT: WORK,
    roles.READ_ONLY: VIEW,
}


def grant_role_permissions(sender=None, using="default", apps=global_apps, **kwargs):
    """Add this app's permissions to the role groups that exist (post_migrate, after the last app's), as
    orders.roles does: a group that already holds any points permission is left as it is."""
    if sender is not None and sender is not list(global_apps.get_app_configs())[-1]:
        return
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ours = Permission.objects.using(using).filter(content_type__app_label="points")
    for name, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.using(using).filter(name=name).first()
        if group is None or group.permissions.filter(content_type__app_label="points").exists():
            continue
        group.permissions.add(*ours.filter(codename__in=codenames))
