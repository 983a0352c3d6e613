from django.contrib import admin
from django.urls import reverse
from django.db.models import Exists, OuterRef
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.decorators import display

from .. import permissions
from ..forms import AttachmentForm, ContactHistoryForm
from ..models import ContactAttachment, ContactHistory
from .base import CustomerChildAdmin, TabularInline, visible_rows


class AttachmentInline(TabularInline):
    model = ContactAttachment
    form = AttachmentForm
    fields = ["file", "download", "size", "uploaded_at", "uploaded_by"]
    readonly_fields = ["download", "size", "uploaded_at", "uploaded_by"]
    tab = False
    verbose_name_plural = _("Attachments")

    @display(description=_("Download"))
    def download(self, obj):
        if not obj.pk:
            return ""
        return format_html('<a href="{}">{}</a>', reverse("crm:attachment_download", args=[obj.pk]), obj)


@admin.register(ContactHistory)
class ContactHistoryAdmin(CustomerChildAdmin):
    form = ContactHistoryForm
    inlines = [AttachmentInline]
    autocomplete_fields = ["customer"]
    list_display = ["date", "customer", "category", "content1", "status", "department", "staff"]
    card_list_display = [
        "edit_link", "category", "content1", "detail_short", "response_short", "department", "staff", "files",
    ]
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

    def get_fieldsets(self, request, obj=None):
        hidden = permissions.invisible_fields(request.user, "contacthistory")
        contents = [f"content{i}" for i in range(1, 11) if f"content{i}" not in hidden]
        rows = [("customer",), ("date", "category", "status"), ("department", "staff", "next_action_date"),
                "detail", "response", "notes", ("remark", "memo")]
        return [
            (None, {"fields": visible_rows(rows, hidden)}),
            (_("Contents"), {"fields": [tuple(contents[i : i + 2]) for i in range(0, len(contents), 2)]}),
        ]

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

    @display(description=_("Date"), ordering="date")
    def edit_link(self, obj):
        url = reverse("admin:crm_contacthistory_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.date.strftime("%Y/%m/%d"))

    @display(description=_("Detail"))
    def detail_short(self, obj):
        return _shorten(obj.detail)

    @display(description=_("Response"))
    def response_short(self, obj):
        return _shorten(obj.response)

    @display(description=_("Attachments"))
    def files(self, obj):
        if not getattr(obj, "has_attachments", False):
            return ""
        url = reverse("admin:crm_contacthistory_change", args=[obj.pk])
        return format_html('<a href="{}" title="{}">📎</a>', url, _("Attachments"))


def _shorten(text: str, limit: int = 40) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
