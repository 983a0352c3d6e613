from django import template

from ..columns import cell_text

register = template.Library()


@register.simple_tag
def cell(obj, column):
    return cell_text(obj, column)
