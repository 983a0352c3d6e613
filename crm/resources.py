"""Import and export of customers (django-import-export), per user: labels from the field
configuration as headers, hidden and restricted fields left out, branch scope enforced."""

from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from fieldconfig.lookup import config

from . import permissions
from .models import Branch, Customer

EXCLUDED = {"id", "search_text", "created_by", "updated_by", "created_at", "updated_at", "staff", "category",
            "staff_department"}


class BranchWidget(widgets.ForeignKeyWidget):
    """Branches by code; a branch user may only import into their own branches."""

    def __init__(self, user):
        super().__init__(Branch, field="code")
        self.user = user

    def get_queryset(self, value, row, *args, **kwargs):
        return permissions.visible_branches(self.user)


class CustomerResource(resources.ModelResource):
    class Meta:
        model = Customer
        import_id_fields = ["code"]
        exclude = sorted(EXCLUDED)
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = True  # model validation: bad email, postal code, kana … per row

    bound_user = None  # set on the per-user class made by `for_user`

    @classmethod
    def for_user(cls, user):
        """This resource for one user: import-export's screens instantiate resource classes without
        arguments (the export screen lists their fields), so the user rides on a class of its own."""
        return type(cls.__name__, (cls,), {"__module__": cls.__module__, "bound_user": user})

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        user = user if user is not None else self.bound_user
        self.user = user
        invisible = permissions.invisible_fields(user, "customer") if user is not None else set()
        snapshot = config()
        for name in list(self.fields):
            if name in invisible:
                del self.fields[name]
                continue
            self.fields[name].column_name = snapshot.label("customer", name)
        if "branch" in self.fields and user is not None:
            self.fields["branch"] = fields.Field(
                attribute="branch", column_name=snapshot.label("customer", "branch"), widget=BranchWidget(user)
            )

    def get_export_order(self):
        return tuple(name for name in super().get_export_order() if name in self.fields)

    def get_import_order(self):
        return tuple(name for name in super().get_import_order() if name in self.fields)

    def before_save_instance(self, instance, row, **kwargs):
        # Imports write through save(): codes, readings and search keys stay right, history is kept.
        if self.user is not None:
            permissions.keep_invisible_values(user=self.user, obj=instance)  # R3: a file cannot write them
        instance._history_user = self.user
        instance._change_reason = _("Imported")
        if instance.pk is None:
            instance.created_by = self.user
        instance.updated_by = self.user

    def get_queryset(self):
        # update-or-create by code looks only at customers the importing user may see
        return permissions.visible_customers(self.user) if self.user is not None else super().get_queryset()
