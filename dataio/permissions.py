"""Who may import and export what: the one place the data-in-and-out screens ask."""

from crm import permission_codes as codes

from .columns import TARGETS


def importable_targets(user) -> list[str]:
    """Import is the admins' (R1: crm.import_customer); contact and purchase files also need add on them."""
    if not user.is_active or not user.has_perm(codes.IMPORT_CUSTOMERS):
        return []
    out = []
    for key, target in TARGETS.items():
        meta = target.model._meta
        needs = [codes.model_code("add", target.model), codes.VIEW_CUSTOMER]
        if key == "customers":
            needs.append(codes.CHANGE_CUSTOMER)
        if user.has_perms(needs):
            out.append(key)
    return out


def exportable_targets(user) -> list[str]:
    if not user.is_active or not user.has_perm(codes.EXPORT_CUSTOMERS):
        return []
    out = []
    for key, target in TARGETS.items():
        meta = target.model._meta
        if user.has_perm(codes.model_code("view", target.model)):
            out.append(key)
    return out


def can_merge(user) -> bool:
    """名寄せ (S6) is the admins': it deletes customers (into another one)."""
    return user.is_active and user.has_perms(codes.MERGE_CUSTOMERS)
