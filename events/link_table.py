"""The table of the event's customer list (イベント対象者, E2), drawn by its own template.

The list is Django's change list (search, filters, sorting, pagination, actions, 保存); its rows
are drawn by events/templates/events/link_table.html from a LinkTable: the customer's columns, then
the fields the event's kind records (Event.LINK_FIELDS), edited in place.

Django builds a form for every row of a list with list_editable before drawing it: fifty forms,
each copying its fields and widgets, took as long as the rest of the page. So a page as shown (GET)
has an unbound formset whose row forms are never built (events.admin.LinkFormSet), and each edited
cell is drawn by the field's widget from the value the row's form would show: the field's
prepare_value of the model field's value. A POST (保存) builds, validates and saves every row's
form as Django does; shown again after an error, the cells are drawn from those forms (what was
typed, the error under the field). tests/test_events_list_rows.py checks that the cells drawn
without forms are the forms' own.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import label_for_field
from django.contrib.admin.views.main import ORDER_VAR
from django.core.exceptions import FieldDoesNotExist
from django.forms import HiddenInput
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.widgets import UnfoldBooleanWidget

from crm import dates, locking

from .models import EventLink
from .widgets import above_line, direct

# Columns that stay in view when the table scrolls sideways: the tick, the code and the name.
STICKY = {"action_checkbox": "kokyaku-sticky kokyaku-sticky-tick", "code_cell": "kokyaku-sticky kokyaku-sticky-code",
          "name_cell": "kokyaku-sticky kokyaku-sticky-name", "name_cell_family_hidden": "kokyaku-sticky kokyaku-sticky-name"}


# Each row's tick for the list's actions (the class Django's actions script looks for), drawn
# without a template as the edited fields are.
ACTION_TICK = direct(UnfoldBooleanWidget({"class": "action-select", "aria-label": gettext_lazy("Select this row")},
                                         check_test=lambda value: False))
# The header's tick for every row of the page (the id and class Django's actions script looks for).
ACTION_TOGGLE = direct(UnfoldBooleanWidget({"id": "action-toggle", "class": "action-toggle",
                                            "aria-label": gettext_lazy("Select every row of this page")}))


def previous_gift_text(link: EventLink) -> str:
    """「前年: ［松］ハム詰め合わせ（¥8,000）」, shown above the gift pulldown (E4); empty without one."""
    if link.previous_gift_id is None:
        return ""
    gift = link.previous_gift
    price = link.previous_gift_price if link.previous_gift_price is not None else gift.price
    rank = f"［{gift.rank}］" if gift.rank else ""
    return _("Last year: %(gift)s") % {"gift": f"{rank}{gift.name}（¥{price:,.0f}）"}


# The line a cell shows above a field of its row, edited or not: last year's gift above this year's (E4).
LINES_ABOVE = {"gift": previous_gift_text}
# Shorter headers where the column beside says the rest: 金額 beside 贈答品.
HEADERS = {"gift_price": gettext_lazy("Price")}


def shown_value(link: EventLink, model_field) -> str:
    """A field of the row as text, where it is not edited (a completed event's list, the list of every event)."""
    value = getattr(link, model_field.name)
    if value is None or value == "":
        return ""
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, datetime.date):
        return dates.format_date(value)
    if isinstance(value, Decimal):
        return f"¥{value:,.0f}"
    return str(value)


class EditedField:
    """A field edited in place, drawn by its widget with the row's prefix (form-0, form-1 …)."""

    def __init__(self, formset, name: str):
        self.name = name
        self.field = formset.form.base_fields[name]
        self.model_field = EventLink._meta.get_field(name)
        self.renderer = formset.renderer

    def value_of(self, link: EventLink):
        """What the row's unbound form shows: its initial value (the model field's) as the field prepares it."""
        return self.field.prepare_value(self.model_field.value_from_object(link))

    def draw(self, prefix: str, value, errors) -> str:
        """The widget as the row's form draws it (BoundField.as_widget: name, id, value)."""
        attrs = {"id": f"id_{prefix}-{self.name}"}
        if errors:
            attrs["aria-invalid"] = "true"
        return self.field.widget.render(f"{prefix}-{self.name}", value, attrs=attrs, renderer=self.renderer)


@dataclass
class Header:
    text: str
    classes: str
    url: str = ""  # sorts by this column; "" when it does not sort
    sorted: str = ""  # "asc" / "desc" when the list is sorted by it


@dataclass
class Row:
    cells: list[SafeString]
    errors: SafeString = mark_safe("")
    hidden: SafeString = mark_safe("")


class LinkTable:
    """What link_table.html draws for one page of the change list `cl`."""

    def __init__(self, cl, request):
        self.cl, self.request = cl, request
        self.admin = admin = cl.model_admin
        self.formset = formset = cl.formset
        bound = formset is not None and formset.is_bound
        # the page's rows' forms: none on a page as shown; after a POST, Django's bound forms by row
        self.forms = {form.instance.pk: form for form in formset.forms} if bound else {}
        self.edited = ({name: EditedField(formset, name) for name in formset.form.base_fields
                        if name != locking.FIELD} if formset is not None else {})
        self.id_widget = direct(HiddenInput())
        self.link_columns = set(cl.list_display_links or ())
        self.columns = list(cl.list_display)
        self.model_fields = {}
        for name in self.columns:
            try:
                self.model_fields[name] = EventLink._meta.get_field(name)
            except FieldDoesNotExist:
                pass

    # --- headers ---------------------------------------------------------------------------
    def headers(self) -> list[Header]:
        cl = self.cl
        ordering = cl.get_ordering_field_columns()  # {column index: "asc" / "desc"}, in sort order
        primary = next(iter(ordering), None)
        out = []
        for index, name in enumerate(self.columns):
            classes = f"column-{name} {STICKY.get(name, '')}".strip()
            if name == "action_checkbox":
                out.append(Header(text=ACTION_TOGGLE.render("action-toggle", False), classes=classes))
                continue
            text, attr = label_for_field(name, cl.model, model_admin=self.admin, return_attr=True)
            text = HEADERS.get(name, text)
            header = Header(text=conditional_escape(text), classes=classes)
            sortable = (cl.sortable_by is None or name in cl.sortable_by) and (
                name in self.model_fields or getattr(attr, "admin_order_field", None))
            if sortable:
                header.sorted = ordering.get(index, "")
                descending = primary == index and header.sorted == "asc"
                header.url = cl.get_query_string({ORDER_VAR: f"{'-' if descending else ''}{index}"})
            out.append(header)
        return out

    # --- rows --------------------------------------------------------------------------------
    def rows(self) -> list[Row]:
        cl, formset = self.cl, self.formset
        may_change = formset is not None and not formset.is_bound
        out = []
        for index, link in enumerate(cl.result_list):
            form = self.forms.get(link.pk)
            if form is not None:  # after a POST: the row's form, as Django validated it
                prefix, fields = form.prefix, form.fields
            elif may_change and self.admin.has_change_permission(self.request, link):
                prefix, fields = formset.add_prefix(index), self.edited
            else:
                prefix, fields = None, ()
            out.append(self.row(link, form, prefix, fields))
        return out

    def row(self, link: EventLink, form, prefix: str | None, fields) -> Row:
        cells = []
        for name in self.columns:
            classes = f"field-{name} {STICKY.get(name, '')}".strip()
            if name in fields and name in self.edited:
                html, errors = self.edited_cell(link, form, prefix, name)
                if errors:
                    classes += " errors"
                cells.append(mark_safe(f'<td class="{classes} kokyaku-edited">{html}</td>'))
            else:
                cells.append(mark_safe(f'<td class="{classes}">{self.shown_cell(link, name)}</td>'))
        row = Row(cells=cells)
        if prefix is not None:
            pk = form["id"].value() if form is not None else link.pk
            row.hidden = self.id_widget.render(f"{prefix}-id", pk, attrs={"id": f"id_{prefix}-id"})
            # the version the row was read at (issue 24.3): a row changed since is refused, not overwritten
            name = f"{prefix}-{locking.FIELD}"
            version = form[locking.FIELD].value() if form is not None and locking.FIELD in form.fields else link.version
            row.hidden += self.id_widget.render(name, version, attrs={"id": f"id_{name}"})
        if form is not None and form.non_field_errors():
            row.errors = format_html_join("", "<li>{}</li>", ((e,) for e in form.non_field_errors()))
        return row

    def edited_cell(self, link, form, prefix: str, name: str) -> tuple[str, list]:
        edited = self.edited[name]
        if form is not None:
            bound = form[name]
            value, errors = bound.value(), bound.errors
        else:
            value, errors = edited.value_of(link), []
        html = edited.draw(prefix, value, errors)
        if name in LINES_ABOVE:
            html = above_line(LINES_ABOVE[name](link), style=edited.field.widget.attrs.get("style", "")) + html
        if errors:
            html += format_html('<ul class="kokyaku-cell-errors">{}</ul>',
                                format_html_join("", "<li>{}</li>", ((e,) for e in errors)))
        return html, errors

    def shown_cell(self, link: EventLink, name: str) -> str:
        if name == "action_checkbox":
            return ACTION_TICK.render(ACTION_CHECKBOX_NAME, str(link.pk))
        model_field = self.model_fields.get(name)
        if model_field is not None:
            text = conditional_escape(shown_value(link, model_field))
            if name in LINES_ABOVE:
                text = above_line(LINES_ABOVE[name](link)) + text
        else:
            text = conditional_escape(getattr(self.admin, name)(link))
        if name in self.link_columns:
            return format_html('<a href="{}" class="text-primary-600">{}</a>', self.url(link), text)
        return text

    def url(self, link: EventLink) -> str:
        url = self.cl.url_for_result(link)
        return f"{url}?{self.cl.preserved_filters}" if self.cl.preserved_filters else url
