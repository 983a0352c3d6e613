from django import template

from .. import dates, normalize
from ..columns import cell_text

register = template.Library()


@register.simple_tag
def cell(obj, column):
    return cell_text(obj, column)


@register.filter
def jdate(value):
    """A date as the office shows dates: 2026/12/03 or 令和8年12月3日 (J2, crm.dates.format_date)."""
    return dates.format_date(value)


@register.filter
def tel(value):
    """The target of a tel: link: 03-5555-1234 → 0355551234 (I3, crm.normalize.tel_target)."""
    return normalize.tel_target(value)
