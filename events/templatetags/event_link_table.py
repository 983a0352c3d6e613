"""{% event_link_table cl %}: the table of the event's customer list (events.link_table)."""

from django import template

from events.link_table import LinkTable

register = template.Library()


@register.inclusion_tag("events/link_table.html", takes_context=True)
def event_link_table(context, cl):
    table = LinkTable(cl, context["request"])
    return {"cl": cl, "headers": table.headers(), "rows": table.rows()}
