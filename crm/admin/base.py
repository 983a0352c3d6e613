"""The base every Kokyaku admin class builds on: unfold look, simple-history, branch scope."""

from django.core.exceptions import ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.admin import StackedInline as UnfoldStackedInline
from unfold.admin import TabularInline as UnfoldTabularInline

from audit import events as audit_events

from .. import permissions
from ..forms import InlineForm


class AuditedAdminMixin:
    """Every add, change and delete made through an admin screen goes to the audit log (R4)."""

    audit_action = None  # None: create / update / delete; or AuditEvent.Action.CONFIG / ROLE

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        audit_events.object_saved(request=request, obj=obj, created=True, action=self.audit_action)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        changed = [name for part in message or [] for name in part.get("changed", {}).get("fields", [])]
        audit_events.object_saved(
            request=request, obj=obj, created=False, changed_fields=changed, action=self.audit_action
        )
        return entry

    def log_deletions(self, request, queryset):
        result = super().log_deletions(request, queryset)
        objects = list(queryset)
        for obj in objects:
            audit_events.object_deleted(request=request, obj=obj, action=self.audit_action)
        if len(objects) > 1:
            audit_events.bulk_action(request=request, name="delete_selected", rows=len(objects))
        return result

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Out of the user's scope looks the same as not there: 404, never a redirect with a hint.
        # An object that exists but is out of scope is a refused attempt, and logged (R4).
        try:
            exists = self.model._default_manager.filter(pk=object_id).exists()
        except (ValueError, TypeError, ValidationError):
            exists = False
        if exists:
            audit_events.access_refused(request=request, path=request.get_full_path()[:500])
        raise Http404


def visible_rows(rows, hidden: set[str]) -> list:
    """Fieldset rows without the fields this user may not see; a row left empty disappears."""
    out = []
    for row in rows:
        kept = tuple(f for f in (row if isinstance(row, tuple) else (row,)) if f not in hidden)
        if kept:
            out.append(kept if len(kept) > 1 else kept[0])
    return out


class KokyakuAdmin(AuditedAdminMixin, SimpleHistoryAdmin, ModelAdmin):
    """SimpleHistoryAdmin before unfold's ModelAdmin: the order measured to render every page."""

    # unfold's list template asks for these on every row; a missing attribute makes Django's
    # template engine call dir() on the admin each time (a third of the list page's time).
    list_sections = []
    conditional_fields = {}

    def history_view(self, request, object_id, extra_context=None):
        # simple-history falls back to the newest historical record when get_queryset() does
        # not find the object: that would show another branch's (or a deleted) record.
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _visible_or_404(self, request, object_id):
        try:
            visible = self.get_queryset(request).filter(pk=object_id).exists()
        except (ValueError, TypeError, ValidationError):
            visible = False
        if not visible:
            self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)

    list_per_page = 50
    warn_unsaved_form = True
    history_list_per_page = 20

    def save_model(self, request, obj, form, change):
        obj._change_reason = (form.cleaned_data.get("change_reason") or None) if form else None
        super().save_model(request, obj, form, change)


class CustomerChildAdmin(KokyakuAdmin):
    """Admin for records hanging off a customer: every query passes through the branch scope."""

    customer_path = "customer__"

    def get_queryset(self, request):
        return permissions.visible_related(request.user, super().get_queryset(request), self.customer_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "customer":
            from ..models import Customer

            kwargs["queryset"] = permissions.visible_customers(request.user, Customer.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TabularInline(UnfoldTabularInline):
    form = InlineForm
    extra = 0
    tab = True


class StackedInline(UnfoldStackedInline):
    form = InlineForm
    extra = 0
    tab = True

