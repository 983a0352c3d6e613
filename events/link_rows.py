"""The rows of the event's customer list (E2), drawn in one pass.

unfold's `items_for_result` works out every cell from scratch: the column's classes, the model
field's display value even when a form field replaces it, a template rendered for each cell's
(empty) errors, the preserved filters of each row's link resolved as a URL, the action checkbox
through a template. On a list of fifty rows with nine fields edited in place that was ~100 ms.
Here what is the same for every row of a column is worked out once per page; the HTML is the
same as unfold's (same elements, classes, order), and a cell's errors are shown as unfold does.

The fields edited in place: on a POST (a bound formset, perhaps with errors) each row has its form
and its cells are drawn through Django's BoundField, as unfold does. On a page as shown (GET)
Django would build fifty forms, copying every field and widget for each, only to draw their
initial values: here no row form is built. The formset's pattern form (events.admin.LinkFormSet)
gives what every row's form shares, each row gives its prefix and its values (PatternRow), and
each column draws its widget from HTML worked out once per page (EditedCell). The tests
(tests/test_events_list_rows.py) compare the page with the one Django and unfold draw: a form
per row, the rows by unfold's own result list.
"""

from __future__ import annotations

import datetime
from html import escape  # as DirectRenderMixin escapes a value attribute
from typing import Any

from django.contrib.admin.templatetags.admin_list import _coerce_field_name, result_hidden_fields
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import lookup_field
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.forms.models import model_to_dict
from django.forms.widgets import CheckboxInput, FileInput, Input, Select
from django.template.loader import render_to_string
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from unfold import utils as unfold_utils
from unfold.templatetags import unfold_list

from .widgets import DirectRenderMixin, above_line

ERRORS_TEMPLATE = "unfold/helpers/form_errors.html"
PK_STAND_IN = "kokyaku-pk-stand-in"


def _model_field(cl, field_name):
    try:
        return cl.lookup_opts.get_field(field_name)
    except FieldDoesNotExist:
        return None


def initial_for_field(field, initial: dict, name: str):
    """Form.get_initial_for_field, for a row without its form: the row's value, or the field's initial."""
    value = initial.get(name, field.initial)
    if callable(value):
        value = value()
    if isinstance(value, datetime.datetime | datetime.time) and not field.widget.supports_microseconds:
        value = value.replace(microsecond=0)
    return value


class EditedCell:
    """One field edited in place, drawn for every row of a page as shown (GET) without the row's form.

    What BoundField.as_widget gives a row's widget (name, id, aria-describedby …) is worked out once
    from the pattern form, whose prefix ("form-__prefix__") stands for the row's ("form-0", "form-1" …).
    The widget's HTML then depends on the row only through its value, and through little of it:
      - a <select>: which option is selected;
      - a checkbox: ticked or not;
      - another <input>: whether it has a value attribute, and that attribute's text.
    So the widget is drawn once per page for each of these looks (`_look`), kept as a format string
    ({0}: the row's prefix, {1}: the escaped text of its value), and each row fills it in.
    A widget drawn otherwise, or a look whose HTML cannot be made into a format string safely
    (`_template`), is drawn row by row with the same name, attributes and value.
    """

    VALUE_STAND_INS = ("kokyaku-value-stand-in-a", "kokyaku-value-stand-in-b")
    OTHER_PREFIX = "kokyaku-prefix-stand-in"

    def __init__(self, pattern, name: str):
        bf = pattern[name]
        field = self.field = bf.field
        widget = self.widget = field.widget
        # as BoundField.as_widget does for every row's form (no data, no errors; formset forms do
        # not use the required attribute, so the row's value does not change these attributes)
        if field.localize:
            widget.is_localized = True
        attrs = bf.build_widget_attrs({}, widget)
        if bf.auto_id and "id" not in widget.attrs:
            attrs.setdefault("id", bf.auto_id)
        self.name, self.html_name, self.attrs, self.renderer = name, bf.html_name, attrs, pattern.renderer
        self.stand_in = pattern.prefix
        self.direct = isinstance(widget, DirectRenderMixin)
        # the line a row shows above the widget (last year's gift), drawn by DirectRenderMixin.render
        self.line_above = getattr(pattern, "lines_above", {}).get(name) if self.direct else None
        self.templates: dict[Any, str | None] = {}

    def _look(self, value):
        """(key, text): what of the value the widget's HTML shows, as the key of its template, and the
        text put into that template; None for a widget drawn row by row."""
        widget = self.widget
        if not self.direct:  # written by Django's templates: its escaping is theirs, drawn row by row
            return None
        if isinstance(widget, Select):  # the selected options (Select.optgroups compares these strings)
            return tuple(widget.format_value(value)), None
        if isinstance(widget, CheckboxInput):  # ticked or not
            return (bool(widget.check_test(value)), widget.format_value(value)), None
        if isinstance(widget, Input) and not isinstance(widget, FileInput):
            text = widget.format_value(value)  # the value attribute's text, None: no attribute
            return text is None, text
        return None

    def _render(self, prefix: str, value) -> str:
        """The widget as the row's BoundField would render it (the row's prefix in its name and attributes)."""
        attrs = {k: v.replace(self.stand_in, prefix) if isinstance(v, str) else v for k, v in self.attrs.items()}
        return self.widget.render(name=self.html_name.replace(self.stand_in, prefix), value=value, attrs=attrs,
                                  renderer=self.renderer)

    def _template(self, value, with_text: bool) -> str | None:
        """A look's HTML as a format string, or None when it cannot be one safely.

        It is drawn twice with different stand-ins for the prefix (and for the value's text): the two
        agree only if the stand-ins appear where the row's prefix and text go and nowhere else,
        e.g. not in an option's label that happens to contain "form-__prefix__"."""
        drawn = []
        for prefix, text in ((self.stand_in, self.VALUE_STAND_INS[0]), (self.OTHER_PREFIX, self.VALUE_STAND_INS[1])):
            html = self._render(prefix, text if with_text else value)
            if with_text and html.count(text) != 1:  # the widget did not write the text as it was given
                return None
            html = html.replace("{", "{{").replace("}", "}}").replace(prefix, "{0}")
            drawn.append(html.replace(text, "{1}") if with_text else html)
        return drawn[0] if drawn[0] == drawn[1] else None

    def draw(self, row: "PatternRow") -> str:
        # the row's BoundField.value(): the field's prepared initial value
        value = self.field.prepare_value(initial_for_field(self.field, row.initial, self.name))
        look = self._look(value)
        template = None
        if look is not None:
            key, text = look
            if key not in self.templates:
                self.templates[key] = self._template(value, text is not None)
            template = self.templates[key]
        if template is None:
            html = self._render(row.prefix, value)
        else:
            html = template.format(row.prefix, "" if look[1] is None else escape(look[1]))
        if self.line_above is not None:
            html = above_line(self.line_above(row.instance)) + html
        return html


class PatternRow:
    """A row of a page as shown (GET), standing in for its form: the prefix the formset would give
    it and the initial values its form would take from the row's object."""

    def __init__(self, page: "Page", index: int, instance):
        self.page, self.instance = page, instance
        self.prefix = page.formset.add_prefix(index)
        meta = page.pattern._meta
        self.initial = model_to_dict(instance, meta.fields, meta.exclude)  # as BaseModelForm.__init__
        # the formset's hidden pk field has the row's pk as the field's initial (BaseModelFormSet.add_fields)
        self.initial.setdefault(page.pk_name, instance.pk)
        # the names of the fields the row's form would have (none edited in a completed event's row)
        self.fields = page.formset.fields_of_row(instance)

    def widget(self, name: str) -> str:
        return self.page.edited_cell(name).draw(self)


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
        # A column of the admin's own (code_cell, name_cell …): lookup_field would find the method
        # again for each row, after failing to find a model field of that name; found once here.
        self.method = None
        if field is None and not callable(field_name) and field_name != "__str__" and hasattr(admin, field_name):
            self.method = getattr(admin, field_name)

    # --- a cell shown as unfold shows it (unfold_list.items_for_result) ---------------------------
    def display(self, result) -> tuple[Any, list[str]]:
        cl, field_name = self.cl, self.name
        row_classes = list(self.classes)
        empty_value_display = cl.model_admin.get_empty_value_display()
        try:
            if self.method is not None:
                f, attr, value = None, self.method, self.method(result)  # as lookup_field
            else:
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
            if isinstance(form, PatternRow):  # a page as shown (GET): no form, no errors
                return f'<td class="{" ".join(self.edit_classes)}">{form.widget(self.name)}{page.no_errors}</td>'
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
        formset = self.formset = getattr(cl, "formset", None)
        # a GET draws its rows from the formset's pattern form; a POST (or another formset) from its forms
        self.pattern = formset.pattern_form if getattr(formset, "uses_pattern", False) else None
        self.forms = list(formset.forms) if formset and self.pattern is None else []
        # each row's form (POST), its stand-in (GET) or None (no formset: nothing edited in place)
        if self.pattern is not None:
            self.row_forms = [PatternRow(self, index, result) for index, result in enumerate(cl.result_list)]
            form = self.pattern
        else:
            self.row_forms = self.forms or [None] * len(cl.result_list)
            form = self.forms[0] if self.forms else None
        self.pk_hidden = form is not None and form[self.pk_name].is_hidden
        self.edited_cells: dict[str, EditedCell] = {}
        self.no_errors = render_to_string(ERRORS_TEMPLATE, {"errors": []})
        self.link_suffix = None
        self.link_start = None
        links = cl.list_display_links
        first, self.columns = True, []
        for index, name in enumerate(cl.list_display):
            link = links is not None and ((first and not links) or name in links)
            self.columns.append(Column(cl, index, name, link, "th" if link and first else "td"))
            if link:
                first = False

    def edited_cell(self, name: str) -> EditedCell:
        if name not in self.edited_cells:
            self.edited_cells[name] = EditedCell(self.pattern, name)
        return self.edited_cells[name]

    def link(self, result, result_repr):
        # The link is the same for every row but the pk: worked out once (URL reversed, preserved
        # filters added, escaped) with a stand-in pk; a pk other than a number goes the long way.
        if self.link_start is None:
            self.link_start = self._link_start(result)
        pk = result.pk
        if self.link_start and type(pk) is int:
            return mark_safe(self.link_start.replace(PK_STAND_IN, str(pk)) + conditional_escape(result_repr) + "</a>")
        return self._link(result, result_repr)

    def _link_start(self, result) -> str:
        """The link's opening tag, with PK_STAND_IN for the row's pk; "" when it cannot be one."""
        if self.cl.is_popup:
            return ""
        stand_in = type(result)()
        stand_in.pk = PK_STAND_IN
        html = str(self._link(stand_in, mark_safe("")))
        if not html.endswith("></a>") or html.count(PK_STAND_IN) != 1:
            return ""
        return html[:-len("</a>")]

    def _link(self, result, result_repr):
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

    def hidden_fields(self) -> list:
        """Django's result_hidden_fields: each row's hidden pk input, written after the table."""
        if self.pattern is None:
            return list(result_hidden_fields(self.cl))
        return [mark_safe(row.widget(self.pk_name)) for row in self.row_forms] if self.pk_hidden else []

    def rows(self):
        for result, form in zip(self.cl.result_list, self.row_forms):
            cells = [mark_safe(column.cell(result, form, self)) for column in self.columns]
            if form is not None and not self.pk_hidden:  # as unfold: a visible pk field in its own cell
                pk = form.widget(self.pk_name) if isinstance(form, PatternRow) else form[self.pk_name]
                cells.append(format_html("<td>{}</td>", mark_safe(pk)))
            yield unfold_list.UnfoldResultList(result, form if not isinstance(form, PatternRow) else None, cells)


def result_list(context: dict[str, Any], cl) -> dict[str, Any]:
    """unfold_list.result_list, with the rows drawn by Page."""
    headers = list(unfold_list.result_headers(cl))
    page = Page(cl)
    return {
        "cl": cl,
        "result_hidden_fields": page.hidden_fields(),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(page.rows()),
        "actions_row": context.get("actions_row"),
        "has_add_permission": cl.model_admin.has_add_permission(context["request"]),
    }
