from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.db.models import Exists, OuterRef
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.decorators import display

from fieldconfig.lookup import config

from .. import naming, permissions
from ..forms import AttachmentForm, ContactHistoryForm
from ..models import ContactAttachment, ContactHistory
from .base import CustomerChildAdmin, TabularInline, date_column


class AttachmentInline(TabularInline):
    model = ContactAttachment
    form = AttachmentForm
    fields = ["file", "download", "size_shown", "uploaded_at", "uploaded_by"]
    readonly_fields = ["download", "size_shown", "uploaded_at", "uploaded_by"]
    tab = False
    verbose_name_plural = _("Attachments")

    @display(description=_("Size"))
    def size_shown(self, obj):
        return filesizeformat(obj.size) if obj.pk else ""

    @display(description=_("Download"))
    def download(self, obj):
        if not obj.pk:
            return ""
        return format_html('<a href="{}">{}</a>', reverse("crm:attachment_download", args=[obj.pk]), obj)


@admin.register(ContactHistory)
class ContactHistoryAdmin(CustomerChildAdmin):
    form = ContactHistoryForm
    change_form_before_template = "crm/contact/form_top.html"  # 日報's heading (I3), 「空欄のまま保存」 (C8)
    inlines = [AttachmentInline]
    autocomplete_fields = ["customer"]
    list_display = [date_column(ContactHistory, "date"), "customer", "category", "content1", "status", "department",
                    "staff"]
    list_select_related = ["customer", "category", "department", "staff"]
    list_filter = ["category", "status", "department"]
    search_fields = ["customer__code", "content1", "detail"]
    date_hierarchy = "date"
    ordering = ["-date", "-id"]
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super().get_queryset(request)
            .select_related("customer", "category", "department", "staff")
            .annotate(has_attachments=Exists(ContactAttachment.objects.filter(contact=OuterRef("pk"))))
        )

    # Fields this user may not see (R3) are taken out by KokyakuAdmin.get_fieldsets.
    fieldsets = [
        (None, {"fields": [("customer",), ("date", "category", "status"), ("department", "staff", "next_action_date"),
                           "detail", "response", "notes", ("remark", "memo")]}),
        (_("Contents"), {"fields": [(f"content{i}", f"content{i + 1}") for i in range(1, 11, 2)]}),
    ]

    # 日報 (I3): the card's 「日報を入力」 opens the add form with ?customer=<pk>&quick=1: these fields only
    # (less those the user may not see), one 保存 button, and back to the card once saved. The form is
    # the admin's own, so a mistake is shown at its field with everything typed kept.
    QUICK_PARAM = "quick"
    quick_layout = [(None, {"fields": ["customer", "date", "category", "staff", "detail", "response", "next_action_date"]})]

    def is_quick(self, request) -> bool:
        return request.GET.get(self.QUICK_PARAM) == "1"

    def get_layout(self, request, obj=None):
        if obj is None and self.is_quick(request):
            # a field the office made 必須 or 空欄時に警告 (C8) is asked here too, or the 日報 would skip it
            quick = [name for _title, options in self.quick_layout for name in options["fields"]]
            asked = [name for name, rule in config().input_rules("contacthistory").items()
                     if (rule.required or rule.warn_if_empty) and name not in quick]
            return self.quick_layout + ([(None, {"fields": asked})] if asked else [])
        return super().get_layout(request, obj)

    def get_inlines(self, request, obj):
        if obj is None and self.is_quick(request):
            return []
        return super().get_inlines(request, obj)

    def add_view(self, request, form_url="", extra_context=None):
        if self.is_quick(request):
            extra_context = {**(extra_context or {}), "title": _("Daily report"), "kokyaku_quick": True,
                             "quick_customer": self._quick_customer_label(request),
                             "show_save_and_continue": False, "show_save_and_add_another": False}
        return super().add_view(request, form_url, extra_context)

    def _quick_customer_label(self, request) -> str:
        """The 日報's customer under its heading, as the card names it (a customer out of scope: nothing)."""
        pk = request.GET.get("customer", "")
        customer = permissions.visible_customers(request.user).filter(pk=pk).first() if pk.isdigit() else None
        if customer is None:
            return ""
        return f"{customer.code}　{naming.addressee(customer, hidden=permissions.invisible_fields(request.user, 'customer'))}"

    def response_add(self, request, obj, post_url_continue=None):
        if self.is_quick(request) and not {"_continue", "_addanother"} & set(request.POST):
            messages.success(request, _("The daily report was saved."))
            return redirect(reverse("admin:crm_customer_change", args=[obj.customer_id]) + "#contact-histories")
        return super().response_add(request, obj, post_url_continue)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("staff", request.user.pk)
        if getattr(request.user, "department_id", None):
            initial.setdefault("department", request.user.department_id)
        return initial

    def save_formset(self, request, form, formset, change):
        for attachment in formset.save(commit=False):
            if not attachment.pk:
                attachment.uploaded_by = request.user
            attachment.save()
        for attachment in formset.deleted_objects:
            attachment.delete()
