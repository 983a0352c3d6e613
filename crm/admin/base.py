"""The base every Kokyaku admin class builds on: unfold look, simple-history, branch scope."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.admin import StackedInline as UnfoldStackedInline
from unfold.admin import TabularInline as UnfoldTabularInline

from audit import events as audit_events

from .. import permissions


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
        raise Http404


class KokyakuAdmin(AuditedAdminMixin, SimpleHistoryAdmin, ModelAdmin):
    """SimpleHistoryAdmin before unfold's ModelAdmin: the order measured to render every page."""

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
    extra = 0
    tab = True


class StackedInline(UnfoldStackedInline):
    extra = 0
    tab = True


EMPTY = _("(none)")
