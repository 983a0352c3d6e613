"""Permissions as 権限グループ and 利用者 show them: 「顧客の追加」, not "Can add Customer".

Django stores a permission's name in English in the database ("Can add log entry"); the
screens name it here, in the user's language, from the model's translated verbose name and
the action in the codename. Custom permissions keep their own translated name.
"""

import re

from django.utils.translation import gettext, gettext_lazy as _

ACTIONS = {
    "add": _("%(model)s: add"),
    "change": _("%(model)s: change"),
    "delete": _("%(model)s: delete"),
    "view": _("%(model)s: view"),
}
# Third-party models whose verbose name has no Japanese.
MODEL_NAMES = {
    ("guardian", "groupobjectpermission"): _("Object permission of a role"),
    ("guardian", "userobjectpermission"): _("Object permission of a staff member"),
    ("django_tasks_database", "dbtaskresult"): _("Background task result"),
    ("crm", "codesequence"): _("Customer code sequence"),
}


def permission_label(permission) -> str:
    """The permission's name for a person: the model and what it allows, in their language."""
    content_type = permission.content_type
    action, _sep, rest = permission.codename.partition("_")
    if action not in ACTIONS or rest != content_type.model:
        return gettext(permission.name)  # a custom permission: its name is a msgid
    return str(ACTIONS[action]) % {"model": model_name(content_type)}


def model_name(content_type) -> str:
    known = MODEL_NAMES.get((content_type.app_label, content_type.model))
    if known is not None:
        return str(known)
    model = content_type.model_class()
    if model is None:
        return content_type.model
    history_of = getattr(model, "instance_type", None)  # simple-history's historical model
    if history_of is not None:
        return gettext("%(model)s history") % {"model": history_of._meta.verbose_name}
    name = str(model._meta.verbose_name)
    return re.sub(r"\s*\(.*?\)$", "", name) if name.isascii() else name
