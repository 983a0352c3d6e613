"""Forms for the admin screens. Labels come from the field's ConfiguredLabel; pulldowns from fieldconfig."""

import datetime
import os

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models.utils import get_blank_choice_label
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.forms.utils import ErrorList, flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminFileFieldWidget, UnfoldAdminSelectWidget, UnfoldAdminSingleDateWidget, UnfoldAdminTextInputWidget,
)

from fieldconfig import rules as input_rules
from fieldconfig.lookup import ConfiguredLabel, config

from . import dates, duplicate_check, permissions
from .models import ContactAttachment, ContactHistory, Customer, Purchase


def scoped_form_class(form_class, user):
    """`form_class` whose every model-choice field offers and accepts only what `user` may see
    (crm.permissions.visible_choices), applied once the form is built: after its own __init__,
    which may have set a queryset of its own (R2)."""

    def __init__(self, *args, **kwargs):
        form_class.__init__(self, *args, **kwargs)
        permissions.scope_choice_fields(user, self.fields)

    attrs = {"__init__": __init__, "__module__": form_class.__module__, "choices_scoped": True}
    if issubclass(form_class, forms.BaseModelForm):
        # Not made again from the model (a third of the card's get_form): form_class's own, below.
        attrs["Meta"] = type("Meta", (), {"model": form_class._meta.model, "fields": ()})
    scoped = type(form_class)(form_class.__name__, (form_class,), attrs)
    # The fields and options as built: one dict, so a change the admin makes after get_form()
    # (help texts, a gift item's queryset) is the form's.
    scoped.base_fields, scoped.declared_fields = form_class.base_fields, form_class.declared_fields
    if issubclass(form_class, forms.BaseModelForm):
        scoped._meta = form_class._meta
    return scoped


def scoped_formset_class(formset_class, user):
    """`formset_class` whose every form (each row and the empty row of 「追加」) is scoped as
    scoped_form_class does, after the formset has added its own fields (each row's id): R2."""
    if getattr(formset_class, "choices_scoped", False):
        return formset_class

    def add_fields(self, form, index):
        formset_class.add_fields(self, form, index)
        permissions.scope_choice_fields(user, form.fields)

    return type(formset_class)(formset_class.__name__, (formset_class,),
                               {"add_fields": add_fields, "__module__": formset_class.__module__,
                                "choices_scoped": True})


class JapaneseDateField(forms.DateField):
    """A date as the office types it, 西暦 or 和暦 (crm.dates.parse_date: 1985/4/1, 19850401,
    1985年4月1日, S60.4.1, 昭和60年4月1日, 令和元年5月1日, full-width digits), shown as the office
    set it (2026/12/03 or 令和8年12月3日, crm.dates.format_date). A 和暦 date outside its era is
    refused at the field saying so (平成32年…: 平成 ended on 平成31年4月30日), anything else
    unreadable with Django's 「日付を正しく入力してください。」; the form shows what was typed. Every
    date field of every admin form and the search screen use it; its input stays a text box (the
    calendar button only helps)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return dates.parse_date(value)
        except dates.DateInputError as error:
            if error.code == "era":  # 平成32年…: say where the era ends or begins
                raise ValidationError(error.message, code="invalid") from None
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        except (ValueError, TypeError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        # A stored date as the office shows dates; typed text (a form shown again) stays as typed.
        if isinstance(value, datetime.date):
            return dates.format_date(value)
        return value


def postal_lookup_attrs(*, address_field: str) -> dict:
    """What static/kokyaku/customer_form.js needs on a postal-code input (C7): the two lookups
    (CustomerAdmin's endpoints) and the id of the address input of the same block."""
    return {
        "data-postal-code-url": reverse("admin:crm_customer_postal_code"),
        "data-postal-address-url": reverse("admin:crm_customer_postal_address"),
        "data-postal-address-field": f"id_{address_field}",
        "data-postal-button": _("Find address"),
        "data-postal-use-address": _("Use this address"),
        "data-postal-use-code": _("Use this postal code"),
    }


class QuietErrorList(ErrorList):
    """An empty error list renders nothing without going through a template: the card has
    ~150 fields, and each asks for its (usually empty) errors."""

    def __str__(self):
        return super().__str__() if self.data else ""

    def as_ul(self):
        return super().as_ul() if self.data else ""

    def as_text(self):
        return super().as_text() if self.data else ""


CONFIRM_EMPTY = "_confirm_empty"  # 「空欄のまま保存」 (C8): the POST key of the confirmation
EMPTY_WARNING = "empty"  # the code of a field's 「空欄時に警告」 (a warning that stops the save once)


def only_empty_warnings(forms_) -> bool:
    """Whether every problem of these forms is a 「空欄時に警告」 (and there is one)."""
    # An unbound form's (and a view-only inline row's) errors are a plain {} (no as_data()).
    codes = [error.code for form in forms_ if form.is_bound
             for errors in form.errors.values() for error in getattr(errors, "as_data", list)()]
    return bool(codes) and all(code == EMPTY_WARNING for code in codes)


def problem_count(form) -> int:
    """How many problems a form has: one per field, one for the whole form's (its non-field errors)."""
    if not form.is_bound:
        return 0
    return len([name for name in form.errors if name != "__all__"]) + (1 if form.non_field_errors() else 0)


class InputRulesMixin:
    """The admin's input rules (C8, fieldconfig.rules) on a model form: conversions into the
    cleaned data (so the instance gets them), errors at the field, and the fields left empty
    that warn, which stop the save once until 「空欄のまま保存」 (CONFIRM_EMPTY) is pressed."""

    empty_warnings: list = []  # (field name, message) of the last clean()

    def _input_rules(self) -> dict:
        snapshot = config()
        model = self._meta.model._meta.model_name
        return {name: rule for name, rule in snapshot.input_rules(model).items()
                if name in self.fields and not self.fields[name].disabled}

    def _rule_label(self, name: str) -> str:
        return config().label(self._meta.model._meta.model_name, name)

    def setup_input_rules(self) -> None:
        for name, rule in self._input_rules().items():
            if rule.required:
                field = self.fields[name]
                field.required = True
                field.error_messages = {**field.error_messages,
                                        "required": input_rules.required_message(self._rule_label(name))}

    def apply_input_rules(self, cleaned: dict) -> None:
        self.empty_warnings = []
        if getattr(self, "read_only", False):
            return
        for name, rule in self._input_rules().items():
            if name not in cleaned:
                continue  # the field's own check failed: its message is already there
            outcome = input_rules.apply(rule, cleaned[name], label=self._rule_label(name))
            if outcome.error:
                self.add_error(name, outcome.error)
                continue
            cleaned[name] = outcome.value
            if outcome.warning and not self._deleting():
                self.empty_warnings.append((name, outcome.warning))
        if self._errors:
            # Fix the errors first; the blanks are asked about once the rest is right (as C5 does).
            self.empty_warnings = []
        if self.empty_warnings and not self.data.get(CONFIRM_EMPTY):
            # The save stops once, at the fields; crm/empty_warning.html says why and offers
            # 「空欄のまま保存」. A warning, not an error (code "empty": no red heading, issue 22).
            for name, warning in self.empty_warnings:
                self.add_error(name, forms.ValidationError(warning, code=EMPTY_WARNING))

    def _deleting(self) -> bool:
        # An inline row ticked for deletion is not saved: nothing to warn about.
        return bool(getattr(self, "prefix", None) and self.data.get(f"{self.prefix}-DELETE"))


class InlineForm(InputRulesMixin, forms.ModelForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_class", QuietErrorList)
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        # Only rows the formset will write (added or changed): a row left as it was is not
        # saved, so a rule set after it was written does not stop the card (required is
        # checked here too, not by the field, for the same reason).
        if self.has_changed():
            self.apply_input_rules(cleaned)
        return cleaned


class ConfiguredModelForm(InputRulesMixin, forms.ModelForm):
    """Applies the admin's pulldown choices (C3) and input rules (C8) to the fields of the model."""

    config_model: str = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_class", QuietErrorList)
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
            options = [("", get_blank_choice_label())] + [(c, c) for c in choices]
            if current and current not in choices:
                # A value typed before the field became a pulldown must not be lost.
                options.append((current, current))
            field.widget = UnfoldAdminSelectWidget(choices=options)
            self._configured_choices[name] = {c for c in choices} | ({current} if current else set())
        self.setup_input_rules()

    def clean(self):
        cleaned = super().clean()
        for name, allowed in self._configured_choices.items():
            value = cleaned.get(name)
            if value and value not in allowed:
                self.add_error(name, _("Choose one of the listed values."))
        self.apply_input_rules(cleaned)
        return cleaned


class FastSelect(UnfoldAdminSelectWidget):
    """unfold's select, with its options written in Python: the template renders an include per
    option, which made a pulldown of 60 staff cost 14 ms on every card."""

    def option_attrs(self, value) -> dict:
        return {}

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        options = []
        for option_value, option_label in self.choices:
            key = "" if option_value is None else str(option_value)
            extra = "".join(format_html(' {}="{}"', k, v) for k, v in self.option_attrs(option_value).items())
            options.append(format_html(
                '<option value="{}"{}{}>{}</option>', key, mark_safe(" selected") if key in selected else "",
                mark_safe(extra), option_label,
            ))
        final_attrs = self.build_attrs(self.attrs, attrs)
        attrs_html = flatatt({k: v for k, v in final_attrs.items() if v is not False})
        return format_html('<select name="{}"{}>{}</select>', name, attrs_html, mark_safe("".join(options)))


class StaffSelect(FastSelect):
    """Each option knows its department, so choosing 担当部署 narrows 担当者 in the browser."""

    def option_attrs(self, value) -> dict:
        instance = getattr(value, "instance", None)
        if instance is not None and instance.department_id:
            return {"data-department": str(instance.department_id)}
        return {}


class CheckboxGridWidget(forms.Widget):
    """チェック1–48 as one compact grid (C1): one template for all, the inputs keep their names."""

    template_name = "crm/widgets/checkbox_grid.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.boxes: list[tuple[str, str]] = []  # (field name, label), set per form instance

    def value_from_datadict(self, data, files, name):
        return {field: bool(data.get(field)) for field, _label in self.boxes}

    def value_omitted_from_data(self, data, files, name):
        return False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        value = value or {}
        context["widget"]["boxes"] = [
            {"name": field, "label": label, "checked": bool(value.get(field)), "id": f"id_{field}",
             "disabled": bool(attrs and attrs.get("disabled"))}
            for field, label in self.boxes
        ]
        return context


class CheckboxGridField(forms.Field):
    widget = CheckboxGridWidget

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        return dict(value or {})


class CustomerForm(ConfiguredModelForm):
    config_model = "customer"
    # Which of チェック1–48 this user sees, set per request on the form class by CustomerAdmin.get_form.
    visible_checks: tuple[str, ...] = ()
    read_only = False  # a past version, shown read-only (C4)
    # Who is saving, set per request on the form class by CustomerAdmin.get_form: the duplicate
    # warning (C5) lists only customers this user may see. None: no warning (scripts, tests).
    duplicate_user = None
    # The fields whose change makes the warning look again on a change form.
    DUPLICATE_FIELDS = ("last_name", "first_name", "tel", "mobile", "email")
    CONFIRM_DUPLICATES = "_confirm_duplicates"
    duplicates: list = []  # what the last clean() found

    checks = CheckboxGridField(label=_("Checkboxes"))

    change_reason = forms.CharField(
        label=_("Purpose of update"),
        required=False,
        max_length=200,
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": _("e.g. Moved office, address changed")}),
        help_text=_("Optional. Shown in the change history (更新目的)."),
    )

    # C11: save the change for a later date instead of now (scheduling.services).
    effective_date = JapaneseDateField(
        label=_("Effective date"),
        required=False,
        widget=UnfoldAdminSingleDateWidget,
        help_text=_("Leave blank to save now. With a date after today, the change is kept and applied on that day."),
    )

    class Meta:
        model = Customer
        fields = "__all__"
        widgets = {"staff": StaffSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk or self.read_only:
            self.fields.pop("effective_date", None)  # a new customer, a past version: nothing to schedule
        snapshot = config()
        grid = self.fields["checks"]
        grid.widget.boxes = [(name, snapshot.label("customer", name)) for name in self.visible_checks]
        grid.initial = {name: getattr(self.instance, name) for name in self.visible_checks}
        grid.disabled = self.read_only

    def changed_model_fields(self) -> list[str]:
        """The changed fields as the customer's fields: the checkbox grid is the チェック it changed."""
        out = []
        for name in self.changed_data:
            if name != "checks":
                out.append(name)
                continue
            before, after = self["checks"].initial or {}, self.cleaned_data.get("checks") or {}
            out += [box for box in self.visible_checks if bool(before.get(box)) != bool(after.get(box))]
        return out

    def clean_effective_date(self):
        value = self.cleaned_data.get("effective_date")
        if value is not None and value <= dates.today():
            raise forms.ValidationError(_("Enter a date after today."), code="past")
        return value

    def clean(self):
        cleaned = super().clean()
        for name, value in (cleaned.get("checks") or {}).items():
            if name in self.visible_checks:
                setattr(self.instance, name, value)
        staff, department = cleaned.get("staff"), cleaned.get("staff_department")
        if staff and department and staff.department_id and staff.department_id != department.id:
            self.add_error("staff", _("This staff member does not belong to the chosen department."))
        self.warn_of_duplicates(cleaned)
        return cleaned

    def warn_of_duplicates(self, cleaned) -> None:
        """C5: before a new customer (or a changed name, phone or email) is saved, customers that
        are probably the same person stop the save once; 「重複を確認して保存」 saves anyway."""
        self.duplicates = []
        if self.duplicate_user is None or self.read_only or self._errors or self.data.get(self.CONFIRM_DUPLICATES):
            return
        if self.instance.pk and not set(self.changed_data) & set(self.DUPLICATE_FIELDS):
            return

        values = {name: cleaned.get(name, getattr(self.instance, name, "")) for name in duplicate_check.FIELDS}
        if self.instance.pk:
            # A change is compared on what changed only: a customer whose name was already
            # shared when it was saved is not warned about again for a new phone number.
            changed = set(self.changed_data)
            unchanged = [name for name in ("tel", "mobile", "email") if name not in changed]
            if not changed & {"last_name", "first_name"}:
                unchanged += ["last_name", "first_name"]
            values.update(dict.fromkeys(unchanged, ""))
        self.duplicates = duplicate_check.customers_like(user=self.duplicate_user, values=values, exclude_pk=self.instance.pk)
        if self.duplicates:
            raise forms.ValidationError(
                _("Customers that may be the same person are already registered (listed above). Open one of "
                  "them, or press “Save after checking duplicates”."), code="duplicates")


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


class _DownloadLink:
    """What the file widget shows for a stored attachment: its own name, linked to the checked view."""

    def __init__(self, url: str, name: str):
        self.url = url
        self.name = name

    def __str__(self):
        return self.name


class AttachmentFileWidget(UnfoldAdminFileFieldWidget):
    """Attachments are never served from MEDIA_URL: the widget links to /attachments/<id>/ instead."""

    def __init__(self, *args, download: _DownloadLink | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.download = download

    def format_value(self, value):
        value = super().format_value(value)
        if self.download is not None and value and self.is_initial(value):
            return self.download
        return value


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = ContactAttachment
        fields = ["file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "file" in self.fields:
            link = _DownloadLink(reverse("crm:attachment_download", args=[self.instance.pk]), str(self.instance))
            self.fields["file"].widget = AttachmentFileWidget(download=link)

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
        check_space = getattr(self._meta.model.file.field.storage, "check_space", None)
        try:
            if check_space is not None:
                check_space(upload.size)  # before anything is written (settings.STORAGES)
        except OSError:
            raise forms.ValidationError(
                _("The server's disk has no room for this file (%(size)s). Nothing was saved; tell your "
                  "administrator, and attach it again later."), params={"size": filesizeformat(upload.size)},
            ) from None
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
