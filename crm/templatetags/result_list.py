"""What the customer list says it shows (issue 22, point 20): the keyword, the conditions and the
count of the search, and which rows this page holds, as the seed's 検索結果一覧 does."""

from django import template

register = template.Library()


def _filter_conditions(cl) -> list[tuple[str, str]]:
    """The list's own filters in use (店舗・拠点, 顧客分類 …), by their titles and chosen values."""
    conditions = []
    for spec in cl.filter_specs:
        if not getattr(spec, "used_parameters", None):
            continue
        chosen = [str(choice["display"]) for choice in spec.choices(cl) if choice.get("selected")]
        if chosen:
            conditions.append((str(spec.title), "、".join(chosen)))
    return conditions


@register.inclusion_tag("crm/customer/search_summary.html", takes_context=True)
def search_summary(context):
    cl = context["cl"]
    form = context.get("advanced_form")
    conditions = _filter_conditions(cl)
    if form is not None and form.is_valid():
        conditions = form.described() + conditions
    rows = len(cl.result_list)
    first = (cl.page_num - 1) * cl.list_per_page + 1 if rows else 0
    return {
        "searched": bool(cl.query or conditions),
        "keyword": cl.query,
        "conditions": conditions,
        "count": cl.result_count,
        "estimate": getattr(cl.paginator, "is_estimate", False),
        "first": first,
        "last": first + rows - 1 if rows else 0,
    }


@register.simple_tag(takes_context=True)
def whole_result_actions(context) -> list[tuple[str, str]]:
    """The list actions the admin offers for the whole result as buttons (its `whole_result_actions`),
    those this user may run: the admin's own get_actions decides, as for the action pulldown."""
    cl, request = context["cl"], context["request"]
    offered = cl.model_admin.get_actions(request)
    return [(name, str(offered[name][2])) for name in getattr(cl.model_admin, "whole_result_actions", ())
            if name in offered]
