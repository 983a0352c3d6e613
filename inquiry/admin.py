"""The web forms' settings (I1), 管理者's only (inquiry.hooks): which fields a form asks (labels from
項目名設定), the branch of its new customers, the contact category, the thank-you mail and who is told.
The change page shows the form's public address and the snippet that embeds it in the office's site."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm import permissions
from crm.admin.base import KokyakuAdmin
from crm.models import ContactCategory

from .forms import InquiryFormSettingsForm
from .models import WEB_CATEGORY, InquiryForm


def public_url(obj) -> str:
    """The form's address: under KOKYAKU_BASE_URL (the address staff and visitors reach the server by)."""
    return getattr(settings, "KOKYAKU_BASE_URL", "").rstrip("/") + reverse("inquiry:form", args=[obj.key])


@admin.register(InquiryForm)
class InquiryFormAdmin(KokyakuAdmin):
    form = InquiryFormSettingsForm
    list_display = ["name", "key", "active", "branch", "category", "updated_at"]
    list_filter = ["active"]
    search_fields = ["name", "key"]
    list_select_related = ["branch", "category"]
    readonly_fields = ["public_address", "embed_snippet"]
    fieldsets = [
        (None, {"fields": ["name", "key", "active", "branch", "category", "public_address", "embed_snippet"]}),
        (_("What the form asks"), {"fields": ["intro", "fields", "required_fields", "message_label"]}),
        (_("After sending"), {"fields": ["thanks_text", "mail_subject", "mail_body", "notify_to"]}),
    ]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        category = ContactCategory.objects.filter(name=WEB_CATEGORY).first()
        if category is not None:
            initial.setdefault("category", category.pk)
        return initial

    def get_queryset(self, request):
        return super().get_queryset(request).filter(permissions.branch_owned_filter(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "branch":
            kwargs["queryset"] = permissions.visible_branches(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("Public address"))
    def public_address(self, obj):
        if not obj or not obj.pk:
            return _("Shown after saving.")
        url = public_url(obj)
        return format_html('<a href="{}" target="_blank" rel="noopener" class="text-primary-600 underline">{}</a>',
                           url, url)

    @admin.display(description=_("Embed in your site"))
    def embed_snippet(self, obj):
        if not obj or not obj.pk:
            return _("Shown after saving.")
        snippet = (f'<iframe src="{public_url(obj)}" title="{obj.name}" '
                   f'style="width:100%;max-width:44rem;height:1400px;border:0" loading="lazy"></iframe>')
        return format_html('<code style="white-space:pre-wrap;word-break:break-all">{}</code><br>{}', snippet,
                           _("The office's site must be listed in INQUIRY_FRAME_ANCESTORS (docs/operations.md)."))
