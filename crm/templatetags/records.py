from django import template

from .. import dates
from ..columns import cell_text

register = template.Library()


@register.simple_tag
def cell(obj, column):
    return cell_text(obj, column)


@register.filter
def jdate(value):
    """A date as the office shows dates: 2026/12/03 or 令和8年12月3日 (J2, crm.dates.format_date)."""
    return dates.format_date(value)
