"""The duplicate warning of the customer form (C5): who is probably the same person, before saving.

"The same person" is the 名寄せ's definition (crm.identity): the same name key (width,
kana, variant kanji and spaces folded), the same phone digits, or the same email. Candidates
come from the quick-search index (crm.search) within what the user may see
(crm.permissions), and each is then compared on its real keys, so a substring match in the
index never warns.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from . import identity
from . import normalize, permissions, search
from .models import Customer

FIELDS = identity.FIELDS

# How many index candidates one key may read before giving up on the rest (a key as common
# as a bare family name would otherwise read a whole branch).
CANDIDATES_PER_KEY = 300
SHOWN_FIELDS = ["code", "last_name", "first_name", "last_name_kana", "first_name_kana", "company_name", "tel",
                "mobile", "email", "branch"]


def _candidates(queryset, key: str, branch_ids) -> list[dict]:
    return list(
        search.filter_by_terms(queryset, [key], branch_ids=branch_ids)
        .order_by("id").values("id", "branch__name", *identity.FIELDS, "code", "last_name_kana",
                               "first_name_kana")[:CANDIDATES_PER_KEY]
    )


def customers_like(*, user, values: dict, exclude_pk=None, limit: int = 20) -> list[dict]:
    """Customers `user` may see that share the name, a phone number or the email of `values`
    (a dict of the customer form's fields), each with why and a link to its card."""
    row = {name: values.get(name) or "" for name in identity.FIELDS}
    name = identity.name_key(row) if row["last_name"] and row["first_name"] else ""
    phones = set(identity.phone_keys(row))
    email = identity.email_key(row["email"])
    queryset = permissions.visible_customers(user, Customer.objects.all())
    if exclude_pk:
        queryset = queryset.exclude(pk=exclude_pk)
    branch_ids = None if permissions.sees_all_branches(user) else permissions.visible_branch_ids(user)
    keys = [k for k in (name, *sorted(phones), normalize.normalize_text(email)) if k]
    found: dict[int, dict] = {}
    for key in keys:
        for candidate in _candidates(queryset, key, branch_ids):
            reasons = []
            if name and identity.name_key(candidate) == name:
                reasons.append(_("Same name"))
            if phones & set(identity.phone_keys(candidate)):
                reasons.append(_("Same phone number"))
            if email and identity.email_key(candidate["email"]) == email:
                reasons.append(_("Same email"))
            if reasons:
                found.setdefault(candidate["id"], {**candidate, "reasons": reasons})
    hidden = permissions.invisible_fields(user, "customer")
    out = []
    for candidate in sorted(found.values(), key=lambda c: (-len(c["reasons"]), c["id"]))[:limit]:
        shown = {field: ("" if field in hidden else candidate.get(field) or "") for field in SHOWN_FIELDS
                 if field != "branch"}
        shown["branch"] = "" if "branch" in hidden else candidate["branch__name"]
        out.append({
            "id": candidate["id"], **shown,
            "name": " ".join(p for p in (shown["last_name"], shown["first_name"]) if p),
            "kana": " ".join(p for p in (shown["last_name_kana"], shown["first_name_kana"]) if p),
            "reasons": candidate["reasons"],
            "url": reverse("admin:crm_customer_change", args=[candidate["id"]]),
        })
    return out
