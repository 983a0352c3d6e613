"""The base every Kokyaku admin class builds on: unfold look, simple-history, branch scope."""

from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.admin import StackedInline as UnfoldStackedInline
from unfold.admin import TabularInline as UnfoldTabularInline

from .. import permissions


class KokyakuAdmin(SimpleHistoryAdmin, ModelAdmin):
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
