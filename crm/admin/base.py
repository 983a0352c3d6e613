"""The base every Kokyaku admin class builds on: unfold look, simple-history, branch scope, and
the one place where restricted and hidden fields (R3) leave every path of every screen.

What a user may not see of a model is decided by `crm.permissions.invisible_fields`; the hooks
below apply it to the list (columns, filters, search, URL lookups), the forms and inline
editors, the history diffs, past versions and restore, and every write. A new screen built on
KokyakuAdmin and these inlines inherits all of it.
"""

import dataclasses
import datetime

from django.contrib import admin, messages
from django.contrib.admin import SimpleListFilter, helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper
from unfold.admin import ModelAdmin
from unfold.admin import StackedInline as UnfoldStackedInline
from unfold.admin import TabularInline as UnfoldTabularInline
from unfold.overrides import FORMFIELD_OVERRIDES_INLINE
from unfold.views import ChangeList as UnfoldChangeList

from audit import events as audit_events

from .. import dates, history, locking, permissions
from ..forms import (
    InlineForm, JapaneseDateField, only_empty_warnings, problem_count, scoped_form_class, scoped_formset_class,
)
from ..models import Customer, Staff
from ..permission_names import permission_label

# Every date input accepts what Japanese users type, 西暦 or 和暦, and shows the date as the office
# set it, 2026/12/03 or 令和8年12月3日 (crm/dates.py, J2).
# unfold merges a ModelAdmin's overrides into its own (its date widget stays); inlines take
# theirs as they are, so they get unfold's with the field class added.
DATE_OVERRIDES = {models.DateField: {"form_class": JapaneseDateField}}
INLINE_OVERRIDES = {
    **FORMFIELD_OVERRIDES_INLINE,
    models.DateField: {**FORMFIELD_OVERRIDES_INLINE[models.DateField], "form_class": JapaneseDateField},
}


class ScopedChoicesMixin:
    """Every model-choice field of every form the screen builds (the add and change form, past
    versions, each inline editor's rows, the list's editable rows) offers and accepts only what the
    user may see (R2), decided per related model by crm.permissions.visible_choices. Applied once
    each form is built, so a queryset a form sets in its own __init__ is scoped too."""

    def get_form(self, request, obj=None, *args, **kwargs):  # Django's UserAdmin takes no `change`
        return scoped_form_class(super().get_form(request, obj, *args, **kwargs), request.user)

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            yield scoped_formset_class(formset, request.user), inline

    def get_changelist_formset(self, request, **kwargs):
        return scoped_formset_class(super().get_changelist_formset(request, **kwargs), request.user)


class AuditedAdminMixin(ScopedChoicesMixin):
    """Every add, change and delete made through an admin screen goes to the audit log (R4).
    Every admin that writes builds on it, so every form it shows is scoped (ScopedChoicesMixin)."""

    audit_action = None  # None: create / update / delete; or AuditEvent.Action.CONFIG / ROLE

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        audit_events.object_saved(request=request, obj=obj, created=True, action=self.audit_action)
        return entry

    def construct_change_message(self, request, form, formsets, add=False):
        # Django's message names the changed fields by label; the audit log names them by field,
        # so a restricted field's label is shown only to those who may see it (R3).
        request._kokyaku_changes = changed_fields(form, formsets)
        return super().construct_change_message(request, form, formsets, add)

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        audit_events.object_saved(request=request, obj=obj, created=False, action=self.audit_action,
                                  changes=getattr(request, "_kokyaku_changes", None))
        request._kokyaku_changes = None  # the next row of an editable list has its own
        return entry

    def log_deletions(self, request, queryset):
        result = super().log_deletions(request, queryset)
        objects = list(queryset)
        for obj in objects:
            audit_events.object_deleted(request=request, obj=obj, action=self.audit_action)
        if len(objects) > 1:
            audit_events.bulk_action(request=request, name="delete_selected", rows=len(objects))
        return result

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        return obj if obj is not None else self.object_not_found(request, object_id)

    def object_not_found(self, request, object_id):
        """Out of the user's scope looks the same as not there: 404, never a redirect with a hint (what
        Django's views do when get_object finds nothing). An object that exists but is out of scope is a
        refused attempt, and logged (R4)."""
        try:
            exists = self.model._default_manager.filter(pk=object_id).exists()
        except (ValueError, TypeError, ValidationError):
            exists = False
        if exists:
            audit_events.access_refused(request=request, path=request.get_full_path()[:500])
        raise Http404


def changed_fields(form, formsets=None) -> dict:
    """What a form (and its inline editors) changed, by field name: {"fields": [...], "related":
    {"app.Model": [...]}, "form_fields": [labels of the form's own fields, no model's]}. A form may
    say which model fields stand behind one of its own (CustomerForm's checkbox grid)."""

    def names(one):
        model_fields = {f.name for f in one._meta.model._meta.get_fields()}
        changed = one.changed_model_fields() if hasattr(one, "changed_model_fields") else one.changed_data
        return ([n for n in changed if n in model_fields],
                [str(one.fields[n].label) for n in changed if n not in model_fields and n in one.fields])

    fields, form_fields = names(form) if form is not None and hasattr(form, "_meta") else ([], [])
    related = {}
    for formset in formsets or []:
        deleted = {id(row) for row in formset.deleted_forms} if formset.can_delete else set()
        for row in formset.forms:
            if not row.has_changed() or id(row) in deleted:
                continue
            skip = {formset.fk.name} if getattr(formset, "fk", None) else set()
            row_fields = [n for n in names(row)[0] if n not in skip]
            if row_fields:
                label = formset.model._meta.label
                related[label] = sorted(set(related.get(label, [])) | set(row_fields))
    return {"fields": fields, "related": related, "form_fields": form_fields}


class PermissionNamesMixin:
    """Permission pickers (権限グループ, 利用者) name each permission in Japanese
    (crm/permission_names.py), not by Django's stored English name."""

    permission_fields = ("permissions", "user_permissions")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        if formfield is not None and db_field.name in self.permission_fields:
            formfield.label_from_instance = permission_label
        return formfield


class PlainDeleteSummaryMixin:
    """The delete confirmation of a staff member or a role lists what a person knows (the
    staff member, the role), not the join rows behind them ("Staff-group relationship",
    guardian's "User object permission: 本店 | 辻 誠 | access_branch"): those go with it."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        technical = [model._meta for model in self.technical_models()]
        prefixes = tuple(f"{capfirst(opts.verbose_name)}: " for opts in technical)
        plurals = {str(opts.verbose_name_plural) for opts in technical}

        def keep(items):
            out = []
            for item in items:
                if isinstance(item, list):
                    if kept := keep(item):
                        out.append(kept)
                elif not str(item).startswith(prefixes):
                    out.append(item)
            return out

        return keep(deleted), {k: v for k, v in counts.items() if str(k) not in plurals}, perms_needed, protected

    @staticmethod
    def technical_models():
        from django.contrib.auth.models import Group
        from guardian.models import GroupObjectPermission, UserObjectPermission


        return [UserObjectPermission, GroupObjectPermission, Staff.groups.through, Staff.user_permissions.through,
                Group.permissions.through]


def visible_rows(rows, hidden: set[str]) -> list:
    """Fieldset rows without the fields this user may not see; a row left empty disappears."""
    out = []
    for row in rows:
        kept = tuple(f for f in (row if isinstance(row, (tuple, list)) else (row,)) if f not in hidden)
        if kept:
            out.append(kept if len(kept) > 1 else kept[0])
    return out


def visible_fieldsets(fieldsets, hidden: set[str]) -> list:
    """Fieldsets without the fields this user may not see; a fieldset left empty disappears."""
    out = []
    for name, options in fieldsets:
        rows = visible_rows(options.get("fields", []), hidden)
        if rows:
            out.append((name, {**options, "fields": rows}))
    return out


# What Django's and unfold's list filters put in the URL after a filter's field path
# (RelatedFieldListFilter: branch__id__exact, BooleanFieldListFilter: shipped__exact …).
FILTER_LOOKUP_SUFFIXES = {"", "exact", "iexact", "isnull", "in", "gte", "gt", "lte", "lt", "id__exact", "id__in",
                          "pk__exact", "pk__in"}
DATE_HIERARCHY_SUFFIXES = {"year", "month", "day"}


def _column_reads(model_admin, column) -> tuple[str, ...]:
    """The model fields a list column shows: the field itself, or what its callable declares
    (`field_name` on configured columns, `reads` on admin display methods)."""
    if isinstance(column, str):
        target = getattr(model_admin, column, None)
        if target is None:
            return (column,)
        column = target
    if getattr(column, "field_name", None):
        return (column.field_name,)
    return tuple(getattr(column, "reads", ()))


def number_column(model, field_name):
    """A list column showing a number with thousands separators (1,650), under the field's
    configured label, sortable by the field; R3 drops it with the field."""

    def column(obj):
        value = getattr(obj, field_name)
        return "" if value is None else number_format(value, force_grouping=True)

    column.__name__ = f"{field_name}_shown"
    column.short_description = model._meta.get_field(field_name).verbose_name
    column.admin_order_field = field_name
    column.field_name = field_name
    return column


def date_column(model, field_name):
    """A list column showing a date as the office shows dates (2026/12/03 or 令和8年12月3日, J2),
    under the field's configured label, sortable by the field; R3 drops it with the field."""

    def column(obj):
        return dates.format_date(getattr(obj, field_name))

    column.__name__ = field_name  # the cells keep the field's CSS class (field-date)
    column.short_description = model._meta.get_field(field_name).verbose_name
    column.admin_order_field = field_name
    column.field_name = field_name
    return column


def reads(*field_names):
    """Declares which model fields an admin display method shows, so R3 can drop the column."""

    def mark(function):
        function.reads = field_names
        return function

    return mark


class ScopedBranchFilter(admin.RelatedFieldListFilter):
    """A branch filter listing only the branches the user may see (R2): every list filtered by branch
    uses this one."""

    def field_choices(self, field, request, model_admin):
        return [(b.pk, str(b)) for b in permissions.visible_branches(request.user)]


class ScopedChangeList(UnfoldChangeList):
    """A changelist that never shows, filters or searches by a field the user may not see,
    whatever the admin class's own hooks returned."""

    def __init__(self, request, model, list_display, list_display_links, list_filter, date_hierarchy,
                 search_fields, *args, **kwargs):
        model_admin = kwargs.get("model_admin") or args[4]
        list_display = [c for c in list_display if not model_admin.column_is_invisible(request, c)]
        list_filter = [f for f in list_filter if not model_admin.filter_is_invisible(request, f)]
        search_fields = [f for f in search_fields if not model_admin.search_field_is_invisible(request, f)]
        if date_hierarchy and permissions.invisible_path(request.user, model, date_hierarchy):
            date_hierarchy = None
        super().__init__(request, model, list_display, list_display_links, list_filter, date_hierarchy,
                         search_fields, *args, **kwargs)


class ScopedHistoryHelper(HistoricalRecordContextHelper):
    """History diffs leave out the fields this user may not see (R3)."""

    def __init__(self, model, historical_record, *, invisible: set[str]):
        super().__init__(model, historical_record)
        self.invisible = invisible

    def context_for_delta_changes(self, delta):
        visible = [change for change in delta.changes if change.field not in self.invisible]
        return super().context_for_delta_changes(dataclasses.replace(delta, changes=visible))

    def prepare_delta_change_value(self, change, value):
        # An empty value reads 「（なし）」, not Python's "None"; dates as every screen shows them.
        value = super().prepare_delta_change_value(change, value)
        if value is None or value == "":
            return gettext("(empty)")
        if isinstance(value, (datetime.date, datetime.datetime)):
            return dates.format_datetime(value) if isinstance(value, datetime.datetime) else dates.format_date(value)
        return value


def _restored_label():
    return _("Restored")


class VersionedAdminMixin:
    """No lost updates (issue 24.3, crm/locking.py) on every screen of a model with a `version`: its change
    form, its list's editable rows and its list's actions. Put first in the bases, so the version wraps
    the form as every other hook built it. Inline tables get theirs from ScopedInlineMixin."""

    # Actions whose permissions are all of these only read their rows (print, export): a row changed since
    # the list was shown does not stop them.
    read_only_action_permissions = frozenset({"view", "export", "print"})

    def get_fields(self, request, obj=None):
        # The version is no field of the layout (Django takes an undeclared layout from the form): it is
        # rendered once, beside the save buttons (render_change_form).
        return [name for name in super().get_fields(request, obj) if name != locking.FIELD]

    def get_form(self, request, obj=None, *args, **kwargs):
        if kwargs.get("fields"):
            kwargs["fields"] = [name for name in kwargs["fields"] if name != locking.FIELD]
        form = super().get_form(request, obj, *args, **kwargs)
        if not locking.is_versioned(self.model) or locking.FIELD in form.base_fields:
            return form
        restoring = getattr(request, "_kokyaku_restoring", None) is not None
        return locking.versioned_form_class(form, restoring=restoring)

    def get_changelist_formset(self, request, **kwargs):
        formset = super().get_changelist_formset(request, **kwargs)
        if not locking.is_versioned(self.model):
            return formset
        return locking.versioned_formset_class(formset, id_carries_version=True)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form if context.get("adminform") else None
        if form is not None and locking.FIELD in form.fields:
            # the version the editor saw, in templates/admin/submit_line.html, tied to the form by its id
            context["kokyaku_version_input"] = form[locking.FIELD].as_widget(
                attrs={"form": f"{self.opts.model_name}_form"})
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except locking.StaleWrite:
            # Another save landed between this form's check and its write (claim refused it, its
            # transaction rolled back): shown again, the form's check now says whose and keeps what was typed.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except locking.StaleWrite:
            return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            locking.claim(obj)  # the version its form saw, or StaleWrite
        super().save_model(request, obj, form, change)

    # --- the list's actions: the rows as the list showed them --------------------------------
    def action_checkbox(self, obj):
        # In a label, so a tap anywhere on the label ticks the row: on a phone the label fills a 44-px cell
        # (static/kokyaku/kokyaku.css, I3), where the box itself is 16 px.
        tick = format_html('<label class="kokyaku-tick">{}</label>', super().action_checkbox(obj))
        if not locking.is_versioned(type(obj)) or "version" in obj.get_deferred_fields():
            return tick
        return format_html('{}<input type="hidden" name="{}" value="{}:{}">', tick, locking.SEEN, obj.pk,
                           obj.version)

    action_checkbox.short_description = ModelAdmin.action_checkbox.short_description

    def action_writes(self, request, name: str) -> bool:
        """Whether the action `name` writes its rows (then a stale row refuses it)."""
        action = self.get_actions(request).get(name)
        func = getattr(action, "func", None) or (action[0] if action else None)
        permissions_needed = set(getattr(func, "allowed_permissions", ()) or ())
        return not permissions_needed or not permissions_needed <= self.read_only_action_permissions

    def response_action(self, request, queryset, *args, **kwargs):
        seen = locking.seen_versions(request.POST)
        name = request.POST.get("action", "")
        chosen = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        # the "yes" of the delete action's confirmation page (it posts the versions it showed: below)
        confirmed_delete = name == "delete_selected" and bool(request.POST.get("post"))
        if seen and name and self.action_writes(request, name):
            stale = locking.changed_rows(queryset, seen, chosen)
            if stale:
                message = locking.stale_delete_message(stale) if confirmed_delete else locking.stale_list_message(stale)
                self.message_user(request, message, messages.ERROR)
                return redirect(request.get_full_path())
        if not (confirmed_delete and seen and locking.is_versioned(self.model)):
            return self.with_version_inputs(super().response_action(request, queryset, *args, **kwargs))
        try:
            # the check above and the delete in one transaction: log_deletions claims the rows (claim_rows)
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().response_action(request, queryset, *args, **kwargs)
        except locking.StaleWrite:
            # saved by someone else between the check above and the delete: nothing was deleted
            stale = locking.changed_rows(queryset, seen, chosen) or list(queryset.filter(pk__in=list(seen)))
            self.message_user(request, locking.stale_delete_message(stale), messages.ERROR)
            return redirect(request.get_full_path())

    # --- the delete confirmation: its "yes" deletes the records as the page showed them ----------
    # unfold's confirmation templates have no block inside their form; the one thing inside it is the
    # include of unfold/helpers/delete_submit_line.html, whose copy in templates/ renders
    # `kokyaku_version_inputs` (set here on the page's TemplateResponse, for every versioned model).
    def delete_view(self, request, object_id, extra_context=None):
        try:
            return self.with_version_inputs(super().delete_view(request, object_id, extra_context))
        except locking.StaleWrite:
            # log_deletions refused it inside Django's transaction of the delete: rolled back, kept
            current = self.get_queryset(request).filter(pk=unquote(object_id)).first()
            if current is None:  # deleted by the other person meanwhile: Django's answer for a missing record
                return super().delete_view(request, object_id, extra_context)
            self.message_user(request, locking.stale_delete_message([current]), messages.ERROR)
            if self.has_view_or_change_permission(request, current):
                return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                                        args=[current.pk], current_app=self.admin_site.name))
            return redirect(request.get_full_path())

    def with_version_inputs(self, response):
        """The delete confirmation page (the card's or the list action's) with the hidden versions of the
        records it shows, posted back with its "yes"."""
        context = getattr(response, "context_data", None)
        if context is None or getattr(response, "is_rendered", True) or not locking.is_versioned(self.model) \
                or context.get("perms_lacking") or context.get("protected"):
            return response
        if "deleted_objects" in context and context.get("object") is not None:  # delete_view
            context["kokyaku_version_inputs"] = format_html('<input type="hidden" name="{}" value="{}">',
                                                           locking.FIELD, context["object"].version)
        elif "deletable_objects" in context and context.get("queryset") is not None:  # the delete action
            context["kokyaku_version_inputs"] = locking.seen_inputs(context["queryset"])
        return response

    def log_deletions(self, request, queryset):
        # Django calls this right before delete_model / delete_queryset, on the card's 削除 page and in the
        # delete action, whatever a subclass's delete does: the one place a confirmed delete passes. The
        # versions the confirmation page showed are claimed (claim_rows) inside the delete's transaction;
        # a record saved since raises StaleWrite, and nothing is deleted (delete_view / response_action).
        if request.method == "POST" and locking.is_versioned(self.model):
            rows = list(queryset)
            ids = {row.pk for row in rows}
            seen = {pk: version for pk, version in locking.seen_versions(request.POST).items() if pk in ids}
            version = request.POST.get(locking.FIELD, "")
            if len(rows) == 1 and version.isdigit():
                seen[rows[0].pk] = int(version)
            locking.claim_rows(self.model, seen)
        return super().log_deletions(request, queryset)


class KokyakuAdmin(VersionedAdminMixin, AuditedAdminMixin, SimpleHistoryAdmin, ModelAdmin):
    """SimpleHistoryAdmin before unfold's ModelAdmin: the order measured to render every page."""

    # unfold's list template asks for these on every row; a missing attribute makes Django's
    # template engine call dir() on the admin each time (a third of the list page's time).
    list_sections = []
    conditional_fields = {}
    # URL lookups a changelist accepts besides its list filters and date hierarchy (exceptions,
    # stated by name): every other lookup is refused, so a URL cannot filter by a field the
    # screen does not offer (R3: `?remark8__startswith=` would reveal a restricted value).
    extra_list_lookups: tuple[str, ...] = ()

    formfield_overrides = DATE_OVERRIDES
    list_per_page = 50
    warn_unsaved_form = True
    history_list_per_page = 20

    # --- what this user may not see (R3) ------------------------------------------------
    def invisible(self, request, model=None) -> set[str]:
        """What this user may not see of the model (or of `model`): the request's policy decides."""
        return set(permissions.policy_for(request.user).invisible(model or self.model))

    def column_is_invisible(self, request, column) -> bool:
        return any(permissions.invisible_path(request.user, self.model, name)
                   for name in _column_reads(self, column))

    def filter_is_invisible(self, request, list_filter) -> bool:
        if isinstance(list_filter, (tuple, list)):
            list_filter = list_filter[0]
        if isinstance(list_filter, type) and issubclass(list_filter, SimpleListFilter):
            return any(permissions.invisible_path(request.user, self.model, name)
                       for name in getattr(list_filter, "reads", ()))
        return permissions.invisible_path(request.user, self.model, str(list_filter))

    def search_field_is_invisible(self, request, search_field) -> bool:
        return permissions.invisible_path(request.user, self.model, search_field.lstrip("^=@"))

    def get_list_display(self, request):
        return [c for c in super().get_list_display(request) if not self.column_is_invisible(request, c)]

    def get_list_filter(self, request):
        return [f for f in super().get_list_filter(request) if not self.filter_is_invisible(request, f)]

    def get_search_fields(self, request):
        return [f for f in super().get_search_fields(request) if not self.search_field_is_invisible(request, f)]

    def get_changelist(self, request, **kwargs):
        return ScopedChangeList

    def offered_lookups(self, request) -> tuple[set[str], set[str]]:
        """(exact parameters, field paths) the screen's own filters put in its URLs."""
        exact, paths = set(self.extra_list_lookups), set()
        for item in self.get_list_filter(request):
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                exact.add(item.parameter_name)
            else:
                paths.add(str(item[0] if isinstance(item, (tuple, list)) else item))
        if self.date_hierarchy and not permissions.invisible_path(request.user, self.model, self.date_hierarchy):
            exact |= {f"{self.date_hierarchy}__{part}" for part in DATE_HIERARCHY_SUFFIXES}
        return exact, paths

    def lookup_allowed(self, lookup, value, request):
        # An allow-list, unlike Django's (which admits any lookup on a local field).
        exact, paths = self.offered_lookups(request)
        if lookup in exact:
            return True
        for path in paths:
            if lookup == path or (lookup.startswith(path + "__")
                                  and lookup[len(path) + 2:] in FILTER_LOOKUP_SUFFIXES):
                return not permissions.invisible_path(request.user, self.model, lookup)
        return False

    def get_fieldsets(self, request, obj=None):
        # Forms, past versions and restore all take their fields from here (R3).
        return visible_fieldsets(self.get_layout(request, obj), self.invisible(request))

    def get_layout(self, request, obj=None):
        """The screen's fieldsets as it declares them. A screen with a layout of its own overrides
        this, not get_fieldsets, so the fields its user may not see still come out."""
        return super().get_fieldsets(request, obj)

    def get_history_list_display(self, request):
        hidden = self.invisible(request)
        return [name for name in super().get_history_list_display(request) if name not in hidden]

    def get_historical_record_context_helper(self, request, historical_record):
        return ScopedHistoryHelper(self.model, historical_record, invisible=self.invisible(request))

    # --- history: only what the user may see; restore is a change (C4, R1) ----------------
    def history_view(self, request, object_id, extra_context=None):
        # simple-history falls back to the newest historical record when get_queryset() does
        # not find the object: that would show another branch's (or a deleted) record.
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def set_history_delta_changes(self, request, page_obj, *args, **kwargs):
        super().set_history_delta_changes(request, page_obj, *args, **kwargs)
        for record in page_obj.object_list:
            if history.is_restore(record):
                # the history list's 種別 column reads 復元 rather than 変更
                record.get_history_type_display = _restored_label

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        current = self._visible_or_404(request, object_id)
        if request.method == "POST" and not self.has_change_permission(request, current):
            # simple-history's restore form asks for no change permission of its own.
            raise PermissionDenied
        manager = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        version = manager.filter(**{self.model._meta.pk.attname: current.pk},
                                 history_id=version_id).select_related("history_user").first()
        if version is None:
            raise Http404
        request._kokyaku_restoring = version  # a POST here restores it: see change_reason_for
        context = {"version": version, "version_date": history.version_date(version),
                   "version_is_restore": history.is_restore(version), **(extra_context or {})}
        return super().history_form_view(request, object_id, version_id, context)

    def change_reason_for(self, request, form) -> str | None:
        """The 更新目的 of this write: what the user typed; a restore says which version it brought back."""
        typed = (form.cleaned_data.get("change_reason") or "").strip() if form is not None else ""
        version = getattr(request, "_kokyaku_restoring", None)
        if version is not None and request.method == "POST":
            return history.restore_reason(version=version, typed=typed)
        return typed or None

    def response_change(self, request, obj):
        version = getattr(request, "_kokyaku_restoring", None)
        if version is None or request.method != "POST":
            return super().response_change(request, obj)
        # After a restore: back to the card (the record's own page), saying what happened.
        self.message_user(request, _("Restored the version of %(date)s.") % {"date": history.version_date(version)},
                          messages.SUCCESS)
        opts = self.model._meta
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk],
                                current_app=self.admin_site.name))

    def _visible_or_404(self, request, object_id):
        try:
            current = self.get_queryset(request).filter(pk=object_id).first()
        except (ValueError, TypeError, ValidationError):
            current = None
        if current is None:
            self.object_not_found(request, object_id)
        return current

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # C8 「空欄時に警告」: what the form and its inline rows found empty, for crm/empty_warning.html.
        forms = [context["adminform"].form] if context.get("adminform") else []
        for inline in context.get("inline_admin_formsets") or []:
            forms += inline.formset.forms
        context["empty_confirmed"] = request.method == "POST" and bool(request.POST.get("_confirm_empty"))
        context["empty_warnings"] = [] if context["empty_confirmed"] else [
            message for form in forms for _name, message in getattr(form, "empty_warnings", ())]
        # Only blanks to confirm: a warning, with no red 「エラーを修正してください」 (unfold/helpers/messages/errornote.html).
        context["only_empty_warnings"] = only_empty_warnings(forms)
        if context.get("adminform"):
            # The form tab's badge: each problem once (unfold counts a non-field error twice);
            # read by templates/unfold/helpers/tab_items.html.
            request.kokyaku_tab_errors = problem_count(context["adminform"].form)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- writes keep what the user cannot see (R3) ----------------------------------------
    def save_form(self, request, form, change):
        # The card, the inline editors and a restored past version all pass through here.
        obj = super().save_form(request, form, change)
        if change:
            permissions.keep_invisible_values(user=request.user, obj=obj)
        return obj

    def save_model(self, request, obj, form, change):
        obj._change_reason = self.change_reason_for(request, form)
        super().save_model(request, obj, form, change)  # VersionedAdminMixin claims the version first

    def save_formset(self, request, form, formset, change):
        reason = self.change_reason_for(request, form)
        for child in formset.save(commit=False):
            permissions.keep_invisible_values(user=request.user, obj=child)
            child._change_reason = reason
            child._history_user = request.user
            locking.claim(child)  # a stored row: the version its row saw, or StaleWrite (issue 24.3)
            child.save()
        for child in formset.deleted_objects:
            child._change_reason = reason
            child._history_user = request.user
            locking.claim(child)
            child.delete()
        formset.save_m2m()


class CustomerChildAdmin(KokyakuAdmin):
    """Admin for records hanging off a customer: every query passes through the branch scope."""

    customer_path = "customer__"

    def get_queryset(self, request):
        return permissions.visible_related(request.user, super().get_queryset(request), self.customer_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "customer":
            kwargs["queryset"] = permissions.visible_customers(request.user, Customer.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedInlineMixin:
    """Inline editors on a card show and write only the fields this user may see (R3), and their
    pulldowns offer only what the user may see (R2), however the card asks for them."""

    def _visible_fieldsets(self, request, obj=None):
        hidden = permissions.invisible_fields(request.user, self.model)
        return visible_fieldsets(super().get_fieldsets(request, obj), hidden)

    def get_fieldsets(self, request, obj=None):
        fieldsets = self._visible_fieldsets(request, obj)
        if not fieldsets or not locking.is_versioned(self.model) or not self.has_change_permission(request, obj):
            return fieldsets
        # the version each row was read at (issue 24.3): a hidden input in the row (crm/locking.py)
        name, options = fieldsets[0]
        return [(name, {**options, "fields": [*options["fields"], locking.FIELD]}), *fieldsets[1:]]

    def get_formset(self, request, obj=None, **kwargs):
        if locking.is_versioned(self.model) and "form" not in kwargs:
            kwargs["form"] = locking.versioned_form_class(self.form)
        formset = scoped_formset_class(super().get_formset(request, obj, **kwargs), request.user)
        return locking.versioned_formset_class(formset) if locking.is_versioned(self.model) else formset


class TabularInline(ScopedInlineMixin, UnfoldTabularInline):
    form = InlineForm
    formfield_overrides = INLINE_OVERRIDES
    extra = 0
    tab = True


class StackedInline(ScopedInlineMixin, UnfoldStackedInline):
    form = InlineForm
    formfield_overrides = INLINE_OVERRIDES
    extra = 0
    tab = True

