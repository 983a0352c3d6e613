"""Customer search. The quick search (S1) runs here; the advanced search (S2) builds on it."""

from django.db.models import Q, QuerySet

from . import normalize

PHONE_MIN_DIGITS = 3


def quick_search_filter(query: str) -> Q | None:
    """One box over code, name, kana, company, email (normalized) and phones (digits only)."""
    terms = [t for t in query.split() if t] if query else []
    if not terms:
        return None
    condition = Q()
    # Each whitespace-separated word must match somewhere (田中 太郎 finds 田中太郎).
    for term in terms:
        key = normalize.normalize_text(term)
        term_q = Q(search_text__contains=key) if key else Q()
        phone = normalize.digits(term)
        if len(phone) >= PHONE_MIN_DIGITS and phone == normalize.normalize_text(term).replace("-", ""):
            term_q |= Q(search_phone__contains=phone)
        condition &= term_q
    return condition


def customer_quick_search(queryset: QuerySet, query: str) -> QuerySet:
    condition = quick_search_filter(query)
    return queryset if condition is None else queryset.filter(condition)
