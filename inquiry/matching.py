"""Who sent a form: an existing customer of the form's branch with the same phone number or email, by
the identity keys of the duplicate check and the 名寄せ (crm.identity: phone digits, the email folded),
found through the quick-search index as crm.duplicate_check finds its candidates. A name alone never
matches (two 田中太郎 are two people)."""

from __future__ import annotations

from crm import identity, normalize, search
from crm.models import Customer

CANDIDATES_PER_KEY = 300


def customer_matching(*, branch, values: dict) -> Customer | None:
    """The customer of `branch` the values most likely belong to (most keys in common, then the oldest),
    or None."""
    row = {name: values.get(name) or "" for name in identity.FIELDS}
    phones = set(identity.phone_keys(row))
    email = identity.email_key(row["email"])
    keys = [k for k in (*sorted(phones), normalize.normalize_text(email)) if k]
    queryset = Customer.objects.filter(branch=branch)
    scores: dict[int, int] = {}
    for key in keys:
        candidates = (search.filter_by_terms(queryset, [key], branch_ids=[branch.pk])
                      .order_by("id").values("id", *identity.FIELDS)[:CANDIDATES_PER_KEY])
        for candidate in candidates:
            score = len(phones & set(identity.phone_keys(candidate)))
            if email and identity.email_key(candidate["email"]) == email:
                score += 1
            if score:
                scores[candidate["id"]] = max(score, scores.get(candidate["id"], 0))
    if not scores:
        return None
    best = min(scores, key=lambda pk: (-scores[pk], pk))
    return Customer.objects.select_for_update().get(pk=best)
