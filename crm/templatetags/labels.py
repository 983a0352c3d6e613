"""Labels resolved by fieldconfig.lookup, for templates that are not bound to a model form."""

from django import template

from fieldconfig.lookup import config

register = template.Library()


@register.simple_tag
def quick_search_help() -> str:
    """What the quick search reads, under the labels and mode in force (会社名 / 勤務先 …)."""
    return config().quick_search_help()
