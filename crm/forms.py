"""Forms for the admin screens. Labels come from the field's ConfiguredLabel; pulldowns from fieldconfig."""

import os

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from fieldconfig.lookup import ConfiguredLabel, config

from .models import ContactAttachment, ContactHistory, Customer, Purchase


class ConfiguredModelForm(forms.ModelForm):
    """Applies the admin's pulldown choices (C3) to free-text fields of the model."""

    config_model: str = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        snapshot = config()
        self._configured_choices = {}
        model_fields = {f.name: f for f in self._meta.model._meta.fields}
        for name, field in self.fields.items():
            if name in model_fields and isinstance(model_fields[name].verbose_name, ConfiguredLabel):
                field.label = capfirst(str(model_fields[name].verbose_name))
            choices = snapshot.choices(self.config_model, name)
            if choices is None or not isinstance(field, forms.CharField):
                continue
            current = (self.initial.get(name) or "") if self.instance.pk else ""
            options = [("", "---------")] + [(c, c) for c in choices]
            if current and current not in choices:
                # A value typed before the field became a pulldown must not be lost.
                options.append((current, current))
            field.widget = UnfoldAdminSelectWidget(choices=options)
            self._configured_choices[name] = {c for c in choices} | ({current} if current else set())

    def clean(self):
        cleaned = super().clean()
        for name, allowed in self._configured_choices.items():
            value = cleaned.get(name)
            if value and value not in allowed:
                self.add_error(name, _("Choose one of the listed values."))
        return cleaned


class StaffSelect(UnfoldAdminSelectWidget):
    """Each option knows its department, so choosing 担当部署 narrows 担当者 in the browser."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None and instance.department_id:
            option["attrs"]["data-department"] = str(instance.department_id)
        return option


class CustomerForm(ConfiguredModelForm):
    config_model = "customer"

    change_reason = forms.CharField(
        label=_("Purpose of update"),
        required=False,
        max_length=200,
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": _("e.g. Moved office, address changed")}),
        help_text=_("Optional. Shown in the change history (更新目的)."),
    )

    class Meta:
        model = Customer
        fields = "__all__"
        widgets = {"staff": StaffSelect}

    def clean(self):
        cleaned = super().clean()
        staff, department = cleaned.get("staff"), cleaned.get("staff_department")
        if staff and department and staff.department_id and staff.department_id != department.id:
            self.add_error("staff", _("This staff member does not belong to the chosen department."))
        return cleaned


class ContactHistoryForm(ConfiguredModelForm):
    config_model = "contacthistory"

    class Meta:
        model = ContactHistory
        fields = "__all__"


class PurchaseForm(ConfiguredModelForm):
    config_model = "purchase"

    class Meta:
        model = Purchase
        fields = "__all__"


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = ContactAttachment
        fields = ["file"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None or not hasattr(upload, "size") or getattr(upload, "_committed", False):
            return upload
        ext = os.path.splitext(upload.name)[1].lower().lstrip(".")
        if ext not in settings.ATTACHMENT_EXTENSIONS:
            raise forms.ValidationError(
                _("Files of type .%(ext)s cannot be attached. Allowed: %(allowed)s"),
                params={"ext": ext or "?", "allowed": ", ".join(settings.ATTACHMENT_EXTENSIONS)},
            )
        if upload.size > settings.ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (%(size)s). The limit is %(limit)s."),
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)},
            )
        return upload

    def save(self, commit=True):
        attachment = super().save(commit=False)
        upload = self.cleaned_data.get("file")
        if upload is not None and not getattr(upload, "_committed", False):
            attachment.original_name = os.path.basename(upload.name)[:255]
            attachment.size = upload.size
        if commit:
            attachment.save()
        return attachment
