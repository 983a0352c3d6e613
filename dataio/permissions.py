"""Who may import and export what: the one place the data-in-and-out screens ask."""

from crm.permissions import EXPORT_PERMISSION, IMPORT_PERMISSION

from .columns import TARGETS


def importable_targets(user) -> list[str]:
    """Import is the admins' (R1: crm.import_customer); contact and purchase files also need add on them."""
    if not user.is_active or not user.has_perm(IMPORT_PERMISSION):
        return []
    out = []
    for key, target in TARGETS.items():
        meta = target.model._meta
        needs = [f"{meta.app_label}.add_{meta.model_name}", "crm.view_customer"]
        if key == "customers":
            needs.append("crm.change_customer")
        if user.has_perms(needs):
            out.append(key)
    return out


def exportable_targets(user) -> list[str]:
    if not user.is_active or not user.has_perm(EXPORT_PERMISSION):
        return []
    out = []
    for key, target in TARGETS.items():
        meta = target.model._meta
        if user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
            out.append(key)
    return out


def can_merge(user) -> bool:
    """名寄せ (S6) is the admins': it deletes customers (into another one)."""
    return user.is_active and user.has_perms(["crm.view_customer", "crm.change_customer", "crm.delete_customer"])
