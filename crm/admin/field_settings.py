"""項目名設定 and システム設定 (fieldconfig's models): their screens are the core's, on its admin base."""

from django.contrib import admin
from django.db.models import Case, Q, Value, When
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from audit.models import AuditEvent
from fieldconfig import defaults
from fieldconfig.lookup import label
from fieldconfig.models import FieldSetting, SystemSetting

from ..forms import postal_lookup_attrs
from .base import AuditedAdminMixin, VersionedAdminMixin


@admin.register(FieldSetting)
class FieldSettingAdmin(VersionedAdminMixin, AuditedAdminMixin, ModelAdmin):
    """項目名設定: one row per configurable field, created by `migrate`; admins edit labels in place."""

    audit_action = AuditEvent.Action.CONFIG

    # The default label first (what users know); the internal name only as a hint at the end.
    list_display = ["model", "default_label", "label", "hidden", "visible_to", "input_type", "choices_short",
                    "input_rules", "field_name"]
    list_display_links = ["default_label"]
    list_editable = ["label", "hidden"]
    list_filter = ["model", "hidden", "input_type", "visible_to", "required", "warn_if_empty"]
    list_select_related = ["visible_to"]
    search_fields = ["field_name", "label"]
    list_per_page = 100
    # 参照できるグループ (R3): the model's clean() refuses fields that cannot be restricted, at the field.
    # 入力ルール (C8) in a block of their own; the model's clean() refuses rules the field cannot take.
    fieldsets = [
        (None, {"fields": ["model", "field_name", "default_label", "label", "hidden", "visible_to", "input_type",
                           "choices", "position"]}),
        (_("Input rules"), {"fields": ["input_convert", "input_width", "required", "warn_if_empty"],
                            "description": _("Applied when the card or a record is saved, by the import and by the "
                                             "bulk update. The conversion comes first, then the character check.")}),
    ]
    readonly_fields = ["model", "field_name", "default_label"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_ordering(self, request):
        # The screens in the card's order (顧客 first), not in the alphabet of their internal names.
        order = Case(*[When(model=name, then=Value(i)) for i, (name, _label) in enumerate(FieldSetting.MODEL_CHOICES)],
                     default=Value(len(FieldSetting.MODEL_CHOICES)))
        return [order, "position", "id"]

    def get_search_results(self, request, queryset, search_term):
        # People search by the names they see (携帯TEL, 備考1), which live in code, not in the table:
        # the fields whose default or shown label holds the term are found too.
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        by_label = Q()
        for model, labels in defaults.DEFAULT_LABELS.items():
            names = [name for name, text in labels.items() if term and (term in str(text) or term in label(model, name))]
            if names:
                by_label |= Q(model=model, field_name__in=names)
        if by_label:
            found = found | queryset.filter(by_label)
        return found, may_have_duplicates

    @display(description=_("Default label"), ordering="field_name")
    def default_label(self, obj):
        value = defaults.DEFAULT_LABELS.get(obj.model, {}).get(obj.field_name, obj.field_name)
        return str(value)

    @display(description=_("Pulldown choices"))
    def choices_short(self, obj):
        return " / ".join(obj.choice_list()[:5]) if obj.input_type == FieldSetting.SELECT else ""

    @display(description=_("Input rules"))
    def input_rules(self, obj):
        return obj.input_rule().describe()

    @display(description=_("Shown as"))
    def shown_as(self, obj):
        return label(obj.model, obj.field_name)


@admin.register(SystemSetting)
class SystemSettingAdmin(VersionedAdminMixin, AuditedAdminMixin, ModelAdmin):
    audit_action = AuditEvent.Action.CONFIG

    list_display = ["__str__", "mode", "code_width", "company_name"]

    class Media:
        js = ["kokyaku/customer_form.js"]  # 住所検索 for the sender's postal code (C7)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "sender_postal_code" and formfield is not None:
            formfield.widget.attrs.update(postal_lookup_attrs(address_field="sender_address"))
        return formfield

    def changelist_view(self, request, extra_context=None):
        # One office, one row: システム設定 opens it rather than a list of one (issue 22, point 22).
        setting = SystemSetting.objects.order_by("pk").first()
        if setting is not None and self.has_view_or_change_permission(request, setting):
            return redirect(reverse("admin:fieldconfig_systemsetting_change", args=[setting.pk]))
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False  # the one row is created by `migrate`

    def has_delete_permission(self, request, obj=None):
        return False
