"""Optimistic locking (issue 24, point 3): no lost updates.

A record with a `version` field (the customer, 対応履歴, 購入履歴, an event and an event's row) carries
the version its editor saw in a hidden form field (FIELD). The form refuses a save whose version is no
longer the stored one (check_form: a Japanese message, the other person's value under each field that
differs, what was typed kept); the write then claims the row with one conditional UPDATE
(`claim`: WHERE version = the one seen, version + 1) in the write's transaction, so of two saves sent at
the same moment only one passes. Every other write of such a row raises its version too
(`bump`: the bulk writer, a merge moving rows, a list toggle), so a form opened before it is refused.

The same mechanism serves every record editor: the admin base (crm.admin.base.VersionedAdminMixin) versions
the form of any model with a `version` field, the rows of its inline tables (versioned_formset_class: a
stale row, edited or deleted, is refused like its parent) and its list's editable rows. A list carries the
version of each row it showed beside its action tick (SEEN: "pk:version"); an action that writes refuses
the whole run when a chosen row changed since the list was loaded (changed_rows), naming only those rows,
which come from the user's own queryset. A delete confirmation (the card's 削除 page, the list's delete action)
carries the versions it showed the same way (VersionedAdminMixin): its "yes" is refused for a record saved
since (claim_rows), nothing deleted. Pages of their own that write a chosen set (orders' 出荷済登録 / 入金済登録)
carry SEEN pairs too (seen_inputs) and check them under the write's lock (claim_rows).
"""

import datetime

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F
from django.db.models import Q
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import dates

FIELD = "kokyaku_version"  # the form field carrying the version the editor saw
SEEN = "kokyaku_seen"  # a list's hidden "pk:version" beside each row's action tick


class StaleWrite(ValidationError):
    """A write whose record changed since its editor (or its list) read it: nothing was written."""

    def __init__(self, message=None, *, current=None):
        super().__init__(message or _("This record was changed by someone else in the meantime. Nothing was "
                                      "saved. Open it again and check."), code="stale")
        self.current = current


def is_versioned(model) -> bool:
    try:
        model._meta.get_field("version")
    except FieldDoesNotExist:
        return False
    return True


def claim(obj) -> None:
    """Before writing `obj` (stored, versioned): its row goes from the version `obj` holds (the one its
    editor saw) to the next, in one conditional UPDATE; a row another save moved on raises StaleWrite and
    nothing is written. Call it inside the write's transaction (the row stays locked until it ends)."""
    if obj.pk is None or not is_versioned(type(obj)):
        return
    seen = obj.version
    # Only the version column, no history: the save that follows writes the record and its history.
    if type(obj)._base_manager.filter(pk=obj.pk, version=seen).update(version=seen + 1) != 1:
        raise StaleWrite(current=type(obj)._base_manager.filter(pk=obj.pk).first())
    obj.version = seen + 1


def bump(model, ids) -> None:
    """The rows `ids` of `model` were written other than by a form (the bulk writer, a merge): their version
    goes up, so a form opened before is refused."""
    if not is_versioned(model):
        return
    ids = list(ids)
    for start in range(0, len(ids), 5000):
        model._base_manager.filter(pk__in=ids[start:start + 5000]).update(version=F("version") + 1)


def claim_rows(model, seen: dict[int, int]) -> None:
    """`claim` for a set of rows a page showed (`seen`: pk → version): each goes from the version seen to the
    next in conditional UPDATEs; when any row moved on (or is gone), StaleWrite and nothing is claimed (call it
    inside the write's transaction: the exception rolls the claims back, and the rows stay locked until the
    write ends)."""
    if not seen or not is_versioned(model):
        return
    pairs = list(seen.items())
    claimed = 0
    for start in range(0, len(pairs), 500):
        chunk = pairs[start:start + 500]
        condition = Q()
        for pk, version in chunk:
            condition |= Q(pk=pk, version=version)
        claimed += model._base_manager.filter(condition).update(version=F("version") + 1)
    if claimed != len(pairs):
        raise StaleWrite()


def seen_inputs(rows, name: str = SEEN):
    """The hidden "pk:version" of each of `rows` (objects or a queryset), for a page that writes them later."""
    if isinstance(rows, models.QuerySet):
        if not is_versioned(rows.model):
            return ""
        pairs = rows.order_by().values_list("pk", "version")
    else:
        pairs = [(row.pk, row.version) for row in rows if is_versioned(type(row))]
    return format_html_join("", '<input type="hidden" name="{}" value="{}:{}">',
                            ((name, pk, version) for pk, version in pairs))


class VersionField(forms.IntegerField):
    """The hidden version: never a change of its own (a row the user did not touch is not saved)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=0, **kwargs)

    def has_changed(self, initial, data):
        return False


def versioned_form_class(form_class, *, restoring: bool = False):
    """`form_class` (a model form) with the hidden version and its check (check_form). `restoring`: a past
    version brought back (C4) is a deliberate whole write: its version is the stored one."""

    def __init__(self, *args, **kwargs):
        form_class.__init__(self, *args, **kwargs)
        if self.instance.pk is not None:
            self.fields[FIELD].initial = self.instance.version

    def clean(self):
        data = form_class.clean(self)
        check_form(self, restoring=restoring)
        return data

    attrs = {"__init__": __init__, "clean": clean, "__module__": form_class.__module__}
    if issubclass(form_class, forms.BaseModelForm):
        attrs["Meta"] = type("Meta", (), {"model": form_class._meta.model, "fields": ()})
    versioned = type(form_class)(form_class.__name__, (form_class,), attrs)
    versioned.base_fields = {**form_class.base_fields, FIELD: VersionField()}
    versioned.declared_fields = {**form_class.declared_fields, FIELD: versioned.base_fields[FIELD]}
    if issubclass(form_class, forms.BaseModelForm):
        versioned._meta = form_class._meta
    return versioned


def check_form(form, *, restoring: bool = False) -> None:
    """The save of a stored record whose version moved on since the form was shown is refused: a message
    saying who saved it, under each field the value they saved where it differs from what was typed; the
    typed values stay in the form. The form then carries the stored version: saved again, after checking,
    what was typed is kept (deliberately)."""
    instance = form.instance
    if instance.pk is None:
        return
    model = type(instance)
    current = model._base_manager.filter(pk=instance.pk).first()
    if current is None:
        return
    seen = form.cleaned_data.get(FIELD)
    if restoring or seen is None or not form.has_changed():
        # a form posted without the version (not from its screen) is checked by the write alone; one that
        # changes nothing overwrites nothing
        instance.version = current.version
        return
    if seen == current.version:
        instance.version = seen  # what the write claims (claim): another save in between still loses
        return
    for name in form.fields:
        if name == FIELD:
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not field.concrete or field.many_to_many:
            continue
        stored = field.value_from_object(current)
        if name in form.errors:
            # refused for a reason of its own (a status move judged from the stored status): the other
            # person's value beside it too, unless it is what was typed
            typed = form.data.get(form.add_prefix(name))
            if _same(typed, "" if stored is None else str(stored)):
                continue
        else:
            typed = form.cleaned_data.get(name)
            if isinstance(typed, models.Model):
                typed = typed.pk
            if _same(typed, stored):
                continue
        form.add_error(name, ValidationError(gettext("Saved by the other person: %(value)s")
                                             % {"value": shown_value(current, field)}, code="stale"))
    form.add_error(None, ValidationError(stale_message(current), code="stale"))
    data = form.data.copy()
    data[form.add_prefix(FIELD)] = str(current.version)
    form.data = data


def _same(typed, stored) -> bool:
    if typed in (None, "") and stored in (None, ""):
        return True
    return typed == stored


def stale_message(current) -> str:
    who = getattr(current, "updated_by", None)
    if who is None and hasattr(current, "history"):
        latest = current.history.order_by("-history_date").select_related("history_user").first()
        who = getattr(latest, "history_user", None)
    when = getattr(current, "updated_at", None)
    values = {"user": str(who) if who is not None else gettext("someone else"),
              "time": dates.format_datetime(when) if when else ""}
    if not when:  # a record that keeps no time of its own (a family row, a master)
        return gettext("This record was saved by someone else after you opened it (%(user)s). Your changes were "
                       "not saved: what you typed is kept below, and under each field the value they saved. Check "
                       "them; saving again keeps what you typed.") % values
    return gettext("This record was saved by someone else after you opened it (%(user)s, %(time)s). Your changes "
                   "were not saved: what you typed is kept below, and under each field the value they saved. "
                   "Check them; saving again keeps what you typed.") % values


def shown_value(obj, field) -> str:
    if field.choices:
        value = getattr(obj, f"get_{field.name}_display")()
    else:
        value = getattr(obj, field.name)
    if value is None or value == "":
        return gettext("(empty)")
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.datetime):
        return dates.format_datetime(value)
    if isinstance(value, datetime.date):
        return dates.format_date(value)
    return str(value)


def versioned_formset_class(formset_class, *, id_carries_version: bool = False):
    """An inline (or list) formset whose rows carry their version: a stale row edited is refused at the row
    (check_form), and a stale row ticked for deletion is refused for the formset (the other person's values
    named), nothing deleted. `id_carries_version`: a list's editable rows, whose page renders only each
    row's hidden id, render the version with it. Idempotent."""
    if getattr(formset_class, "kokyaku_versioned", False):
        return formset_class
    form = formset_class.form
    if FIELD not in form.base_fields:
        form = versioned_form_class(form)

    def clean(self):
        formset_class.clean(self)
        for row in self.forms:
            if not (self.can_delete and self._should_delete_form(row)) or row.instance.pk is None:
                continue
            seen = row.cleaned_data.get(FIELD) if hasattr(row, "cleaned_data") else None
            current = type(row.instance)._base_manager.filter(pk=row.instance.pk).first()
            if seen is None or current is None or seen == current.version:
                continue
            raise ValidationError(gettext("“%(row)s” was changed by someone else after you opened it: it was not "
                                          "deleted. Check it and delete it again.") % {"row": str(current)},
                                  code="stale")

    def add_fields(self, row, index):
        formset_class.add_fields(self, row, index)
        pk_name = row._meta.model._meta.pk.name
        if id_carries_version and pk_name in row.fields and row.fields[pk_name].widget.is_hidden \
                and FIELD in row.fields:
            # A list's editable rows render only their hidden id (Django's result_hidden_fields): the
            # version travels with it.
            row.fields[pk_name].widget = IdWithVersion(row)

    return type(formset_class)(formset_class.__name__, (formset_class,),
                               {"form": form, "clean": clean, "add_fields": add_fields, "kokyaku_versioned": True,
                                "__module__": formset_class.__module__})


class IdWithVersion(forms.HiddenInput):
    """A row's hidden id followed by its hidden version (the version as the row's form holds it: after a
    refusal, the stored one)."""

    def __init__(self, row, attrs=None):
        super().__init__(attrs)
        self.row = row

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy.row = self.row
        return copy

    def render(self, name, value, attrs=None, renderer=None):
        own = super().render(name, value, attrs, renderer)
        version = self.row[FIELD]
        if name.endswith(f"-{FIELD}") or version.html_name in str(own):
            return own
        return own + str(version)


def seen_versions(data, name: str = SEEN) -> dict[int, int]:
    """The "pk:version" pairs a list posted (`data`: request.POST); what does not parse is left out."""
    seen = {}
    for value in data.getlist(name):
        pk, _sep, version = str(value).partition(":")
        try:
            seen[int(pk)] = int(version)
        except ValueError:
            continue
    return seen


def changed_rows(queryset, seen: dict[int, int], chosen) -> list:
    """The rows of `queryset` (the user's own: only what they may see) among `chosen` ids whose version
    is no longer the one their list showed (`seen`). Rows the list did not stamp are not judged."""
    ids = []
    for pk in chosen:
        try:
            ids.append(int(pk))
        except (TypeError, ValueError):
            continue
    ids = [pk for pk in ids if pk in seen]
    if not ids or not is_versioned(queryset.model):
        return []
    rows = queryset.order_by().filter(pk__in=ids)
    return [row for row in rows if row.version != seen[row.pk]]


def _named(rows) -> str:
    """「a」、「b」 … for a message: the first ten rows, then how many more."""
    names = "、".join(f"「{row}」" for row in rows[:10])
    if len(rows) > 10:
        names += gettext(" and %(count)s more") % {"count": len(rows) - 10}
    return names


def stale_delete_message(rows) -> str:
    return gettext("Changed by someone else after the delete confirmation was shown: %(rows)s. Nothing was "
                   "deleted: check what changed and delete again if it should still go.") % {"rows": _named(rows)}


def stale_list_message(rows) -> str:
    return gettext("Changed by someone else after this list was shown: %(rows)s. Nothing was done: the list now "
                   "shows them as they are; choose again.") % {"rows": _named(rows)}
