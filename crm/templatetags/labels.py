"""Labels resolved by fieldconfig.lookup, for templates that are not bound to a model form."""

from django import template

from fieldconfig import defaults
from fieldconfig.lookup import config

register = template.Library()


@register.simple_tag
def quick_search_help() -> str:
    """What the quick search reads, under the labels and mode in force (会社名 / 勤務先 …)."""
    return config().quick_search_help()


@register.simple_tag
def customer_label(name: str) -> str:
    """A customer field's label as configured (項目名設定, 法人 / 個人 mode)."""
    return config().label("customer", name)


@register.simple_tag
def individual_mode() -> bool:
    """Whether the office's customers are individuals (個人 mode): their company is their 勤務先."""
    return config().mode == defaults.INDIVIDUAL
