"""The screens of outside systems and their API tokens (I2), 管理者's only (granted in api/hooks.py).

A token is made on its add form; the page after saving shows its secret once (only the SHA-256 is
kept). A token is never edited: it is revoked (the list's action) and a new one made. An admin limited
to branches sees and makes tokens only for the staff of their branches."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin

from crm import permissions
from crm.admin.base import AuditedAdminMixin

from . import tokens
from .models import ApiClient, ApiToken, Scope


def default_expiry():
    return timezone.now() + timedelta(days=365)


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(label=_("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiToken
        fields = ["client", "name", "user", "scopes", "expires_at"]

    def clean_expires_at(self):
        value = self.cleaned_data["expires_at"]
        if value <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return value


@admin.register(ApiClient)
class ApiClientAdmin(AuditedAdminMixin, ModelAdmin):
    list_display = ["name", "note", "created_at"]
    search_fields = ["name"]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdminMixin, ModelAdmin):
    form = ApiTokenForm
    list_display = ["__str__", "client", "user", "prefix", "scope_list", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["client"]
    actions = ["revoke"]
    readonly_fields = ["client", "name", "user", "prefix", "scope_list", "expires_at", "revoked_at", "last_used_at",
                       "created_at", "created_by"]

    @admin.display(description=_("Scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    def get_changeform_initial_data(self, request):
        return {"expires_at": default_expiry(), **super().get_changeform_initial_data(request)}

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("client", "user")
        if permissions.sees_all_branches(request.user):
            return queryset
        return queryset.filter(user_id__in=permissions.branch_staff_ids(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "user" and not permissions.sees_all_branches(request.user):
            field.queryset = field.queryset.filter(pk__in=permissions.branch_staff_ids(request.user))
        return field

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["client", "name", "user", "scopes", "expires_at"]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        prefix, secret = tokens.new_secret()
        obj.prefix, obj.digest, obj.created_by = prefix, tokens.digest_of(secret), request.user
        obj.scopes = sorted(set(form.cleaned_data["scopes"]))
        obj.save()
        obj.secret = secret  # shown once by response_add, never stored

    def response_add(self, request, obj, post_url_continue=None):
        return TemplateResponse(request, "api/token_created.html", {
            **self.admin_site.each_context(request),
            "title": _("API token created"), "token": obj, "secret": obj.secret, "opts": self.opts,
        })

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.token_revoke(token=token)
            count += 1
        self.message_user(request, ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
                          % {"count": count}, messages.SUCCESS)
