"""Widgets of the event's customer list, rendered in Python rather than through the template engine.

The list edits nine fields of fifty rows in place: 450 widgets, which Django's template-based
rendering took ~250 ms to draw (a whole customer-list page takes ~50 ms). These keep unfold's
classes and attributes and write the same HTML elements directly.
"""

from __future__ import annotations

import copy

from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.forms import CheckboxInput, Select
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

# Classes that make a field wide on a card; in a list row they would push the columns off screen.
WIDE = {"min-w-52", "w-full", "max-w-2xl"}


class DirectRenderMixin:
    above = ""  # a line shown above the field (last year's gift above this year's pulldown)

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        attributes = {key: val for key, val in widget["attrs"].items() if val is not False}
        if "class" in attributes:
            attributes["class"] = " ".join(c for c in attributes["class"].split() if c not in WIDE)
        if isinstance(self, Select):
            options = format_html_join(
                "", '<option value="{}"{}>{}</option>',
                ((option["value"], mark_safe(" selected") if option["selected"] else "", option["label"])
                 for _group, group_options, _index in widget["optgroups"] for option in group_options))
            html = format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(attributes), options)
            if self.above:
                html = format_html('<div class="text-xs text-base-500 whitespace-nowrap mb-1">{}</div>{}',
                                   self.above, html)
            return html
        if widget["value"] is not None and not isinstance(self, CheckboxInput):
            attributes["value"] = widget["value"]
        html = format_html('<input type="{}" name="{}"{}>', widget["type"], widget["name"], flatatt(attributes))
        if "vDateField" in attributes.get("class", ""):
            # admin's calendar script puts its shortcuts and notes beside the input's parent:
            # inside this div, not loose in the table row
            html = format_html('<div class="flex flex-col relative">{}</div>', html)
        return html


_CLASSES: dict[type, type] = {}


def direct(widget, *, style: str = ""):
    """The same widget (attributes, choices), rendered without a template; `style` sets its width."""
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    cls = type(widget)
    if cls not in _CLASSES:
        _CLASSES[cls] = type(f"Direct{cls.__name__}", (DirectRenderMixin, cls), {})
    fast = copy.copy(widget)
    fast.__class__ = _CLASSES[cls]
    if style:
        fast.attrs = {**widget.attrs, "style": style}
    return fast
