"""The rows of the event's customer list (E2), drawn in one pass.

unfold's `items_for_result` works out every cell from scratch: the column's classes, the model
field's display value even when a form field replaces it, a template rendered for each cell's
(empty) errors, the preserved filters of each row's link resolved as a URL, the action checkbox
through a template. On a list of fifty rows with nine fields edited in place that was ~100 ms.
Here what is the same for every row of a column is worked out once per page; the HTML is the
same as unfold's (same elements, classes, order), and a cell's errors are shown as unfold does.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.admin.templatetags.admin_list import _coerce_field_name, result_hidden_fields
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import lookup_field
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.template.loader import render_to_string
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from unfold import utils as unfold_utils
from unfold.templatetags import unfold_list

ERRORS_TEMPLATE = "unfold/helpers/form_errors.html"
PK_STAND_IN = "kokyaku-pk-stand-in"


def _model_field(cl, field_name):
    try:
        return cl.lookup_opts.get_field(field_name)
    except FieldDoesNotExist:
        return None


def unbound_widget(form, name):
    """str(form[name]) of a form without data (BoundField.as_widget), without the BoundField's
    general machinery; None for a field this does not cover (Django's own rendering then)."""
    field = form.fields[name]
    widget = field.widget
    if field.disabled or field.localize or field.help_text or widget.attrs.get("aria-describedby") \
            or getattr(widget, "use_fieldset", False):
        return None
    html_name = form.add_prefix(name)
    initial = form.get_initial_for_field(field, name)
    attrs = {}
    if widget.use_required_attribute(initial) and field.required and form.use_required_attribute:
        attrs["required"] = True
    auto_id = form.auto_id
    if auto_id and "id" not in widget.attrs:
        attrs["id"] = auto_id % html_name if "%s" in str(auto_id) else html_name
    return widget.render(name=html_name, value=field.prepare_value(initial), attrs=attrs, renderer=form.renderer)


class Column:
    """One column of the list: its classes and how a row's cell is drawn."""

    def __init__(self, cl, index: int, field_name: str, link: bool, tag: str):
        self.cl, self.index, self.name, self.link, self.tag = cl, index, field_name, link, tag
        admin = cl.model_admin
        self.classes = [f"field-{_coerce_field_name(field_name, index)}", *unfold_list.TABLE_CELL_CLASSES]
        self.hidden = (getattr(admin, "ordering_field", None) == field_name
                       and getattr(admin, "hide_ordering_field", False))
        field = _model_field(cl, field_name)
        # the classes unfold gives an edited column from its model field (the form's widget replaces the value)
        self.edit_classes = list(self.classes)
        if field is not None and not field.auto_created and isinstance(
                field, models.DateField | models.TimeField | models.ForeignKey):
            self.edit_classes.append("nowrap")
        if self.hidden:
            self.edit_classes.append("!hidden")
        self.template = None  # the action checkbox's cell with a stand-in for the row's pk

    # --- a cell shown as unfold shows it (unfold_list.items_for_result) ---------------------------
    def display(self, result) -> tuple[Any, list[str]]:
        cl, field_name = self.cl, self.name
        row_classes = list(self.classes)
        empty_value_display = cl.model_admin.get_empty_value_display()
        try:
            f, attr, value = lookup_field(field_name, result, cl.model_admin)
        except ObjectDoesNotExist:
            return empty_value_display, row_classes
        empty_value_display = getattr(attr, "empty_value_display", empty_value_display)
        if f is None or f.auto_created:
            if field_name == "action_checkbox":
                row_classes = list(unfold_list.TABLE_ACTION_CELL_CLASSES)
            if getattr(attr, "formatting", None) == "price":
                row_classes.append("!text-end")
            if getattr(attr, "label", False):
                result_repr = unfold_utils.display_for_label(value, empty_value_display, attr.label)
            elif getattr(attr, "dropdown", False):
                result_repr = unfold_utils.display_for_dropdown(result, field_name, value, empty_value_display)
            elif getattr(attr, "header", False):
                result_repr = unfold_utils.display_for_header(value, empty_value_display)
            else:
                result_repr = unfold_utils.display_for_value(value, empty_value_display,
                                                             getattr(attr, "boolean", False))
            if isinstance(value, datetime.date | datetime.time):
                row_classes.append("nowrap")
        else:
            if isinstance(f.remote_field, models.ManyToOneRel):
                field_val = getattr(result, f.name)
                result_repr = empty_value_display if field_val is None else field_val
            else:
                result_repr = unfold_utils.display_for_field(value, f, empty_value_display)
            if isinstance(f, models.DateField | models.TimeField | models.ForeignKey):
                row_classes.append("nowrap")
        return result_repr, row_classes

    def cell(self, result, form, page) -> str:
        if self.link:
            result_repr, row_classes = self.display(result)
            return (f'<{self.tag} class="{" ".join(row_classes)}">'
                    f'{conditional_escape(page.link(result, result_repr))}</{self.tag}>')
        if form is not None and self.name in form.fields and not (self.name == page.pk_name and page.pk_hidden):
            if not form.is_bound:  # a page as shown (GET): no data, no errors
                unbound = unbound_widget(form, self.name)
                if unbound is not None:
                    return f'<td class="{" ".join(self.edit_classes)}">{unbound}{page.no_errors}</td>'
            bf = form[self.name]
            errors = bf.errors
            classes = self.edit_classes + ["group", "errors"] if errors else self.edit_classes
            rendered = render_to_string(ERRORS_TEMPLATE, {"errors": errors}) if errors else page.no_errors
            return f'<td class="{" ".join(classes)}">{bf}{rendered}</td>'
        if self.name == "action_checkbox":
            return self.checkbox(result)
        return self.plain(result)

    def plain(self, result) -> str:
        result_repr, row_classes = self.display(result)
        if self.hidden:
            row_classes.append("!hidden")
        return f'<td class="{" ".join(row_classes)}">{conditional_escape(result_repr)}</td>'

    def checkbox(self, result) -> str:
        """The action checkbox: drawn once with a stand-in pk, then only the row's pk changes."""
        if self.template is None:
            stand_in = type(result)()
            stand_in.pk = PK_STAND_IN
            html = self.plain(stand_in)
            self.template = html if html.count(PK_STAND_IN) == 1 else ""
        if not self.template:
            return self.plain(result)
        return self.template.replace(PK_STAND_IN, escape(str(result.pk)))


class Page:
    """What every row of the page shares."""

    def __init__(self, cl):
        self.cl = cl
        self.pk_name = cl.model._meta.pk.name
        formset = getattr(cl, "formset", None)
        self.forms = list(formset.forms) if formset else []
        self.pk_hidden = bool(self.forms) and self.forms[0][self.pk_name].is_hidden
        self.no_errors = render_to_string(ERRORS_TEMPLATE, {"errors": []})
        self.link_suffix = None
        links = cl.list_display_links
        first, self.columns = True, []
        for index, name in enumerate(cl.list_display):
            link = links is not None and ((first and not links) or name in links)
            self.columns.append(Column(cl, index, name, link, "th" if link and first else "td"))
            if link:
                first = False

    def link(self, result, result_repr):
        cl = self.cl
        try:
            url = cl.url_for_result(result)
        except NoReverseMatch:
            return result_repr
        # The preserved filters are the same for every row: worked out (with a resolve) once.
        if self.link_suffix is None:
            full = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)
            self.link_suffix = full[len(url):] if full.startswith(url) and "?" not in url else False
        if self.link_suffix is False:
            url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)
        else:
            url = url + self.link_suffix
        popup = ""
        if cl.is_popup:
            value = result.serializable_value(str(cl.to_field) if cl.to_field else cl.lookup_opts.pk.attname)
            popup = format_html(' data-popup-opener="{}"', value)
        return format_html('<a href="{}" class="{}" {}>{}</a>', url, " ".join(unfold_list.LINK_CLASSES), popup,
                           result_repr)

    def rows(self):
        forms = self.forms or [None] * len(self.cl.result_list)
        for result, form in zip(self.cl.result_list, forms):
            cells = [mark_safe(column.cell(result, form, self)) for column in self.columns]
            if form is not None and not self.pk_hidden:  # as unfold: a visible pk field in its own cell
                cells.append(format_html("<td>{}</td>", form[self.pk_name]))
            yield unfold_list.UnfoldResultList(result, form, cells)


def result_list(context: dict[str, Any], cl) -> dict[str, Any]:
    """unfold_list.result_list, with the rows drawn by Page."""
    headers = list(unfold_list.result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(Page(cl).rows()),
        "actions_row": context.get("actions_row"),
        "has_add_permission": cl.model_admin.has_add_permission(context["request"]),
    }
