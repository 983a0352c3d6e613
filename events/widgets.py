"""Widgets of the event's customer list, rendered in Python rather than through the template engine.

The list edits up to six fields of fifty rows in place (Event.LINK_FIELDS): 300 widgets, which
Django's template-based rendering takes longer to draw than a whole customer-list page. These keep unfold's
classes and attributes and write the same HTML elements directly; the attributes every row
shares (unfold's long class lists) are escaped once per process.
"""

from __future__ import annotations

import copy
from html import escape

from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.forms import Select
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe

# Classes that make a field wide on a card; in a list row they would push the columns off screen.
WIDE = {"min-w-52", "w-full", "max-w-2xl"}
# Attributes that change from row to row; the others are the same for every row of a column.
PER_ROW = {"id", "checked", "value"}

_SHARED_ATTRS: dict[tuple, str] = {}


def _attributes(attrs: dict) -> str:
    shared = tuple(sorted((k, str(v)) for k, v in attrs.items() if k not in PER_ROW and v is not False))
    html = _SHARED_ATTRS.get(shared)
    if html is None:
        cleaned = dict(shared)
        if "class" in cleaned:
            cleaned["class"] = " ".join(c for c in cleaned["class"].split() if c not in WIDE)
        html = _SHARED_ATTRS[shared] = str(flatatt(cleaned))
    rest = "".join(
        f' {k}' if v is True else f' {k}="{escape(str(v))}"'
        for k, v in attrs.items() if k in PER_ROW and v is not False and v is not None)
    return html + rest


def above_line(text: str, style: str = "") -> str:
    """The small line shown above a widget (last year's gift above this year's pulldown), cut to the
    widget's width (`style`) and whole in its tooltip; "" for none."""
    if not text:
        return ""
    return (f'<div class="kokyaku-above text-xs text-base-500 whitespace-nowrap mb-1" style="{escape(style)}" '
            f'title="{escape(text)}">{escape(text)}</div>')


class DirectRenderMixin:
    def render(self, name, value, attrs=None, renderer=None):
        return mark_safe(self.html(name, value, attrs))

    def html(self, name, value, attrs=None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        attributes = dict(widget["attrs"])
        name = escape(widget["name"])
        if isinstance(self, Select):
            options = "".join(
                f'<option value="{escape(str(option["value"]))}"{" selected" if option["selected"] else ""}>'
                f'{escape(str(option["label"]))}</option>'
                for _group, group_options, _index in widget["optgroups"] for option in group_options)
            return f'<select name="{name}"{_attributes(attributes)}>{options}</select>'
        if widget["value"] is not None:  # a checkbox of a model's True / False has none (input.html)
            attributes["value"] = widget["value"]
        html = f'<input type="{escape(widget["type"])}" name="{name}"{_attributes(attributes)}>'
        if "vDateField" in attributes.get("class", ""):
            # admin's calendar script puts its shortcuts and notes beside the input's parent:
            # inside this div, not loose in the table row
            html = f'<div class="flex flex-col relative">{html}</div>'
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
