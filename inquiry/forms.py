"""The public form (I1) and the admin's form for a web form's settings.

The public form is a ModelForm of the customer limited to the fields the admin chose, with the labels,
pulldowns and input rules of 項目名設定 (fieldconfig), so it asks what the card asks under the same
names. What visitors type is tidied the Japanese way before it is checked: full-width digits and
hyphens in phone numbers and 〒 become half-width, half-width kana become full-width, a full-width ＠
in an address is an @; what they typed otherwise stays as typed.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv
from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm import postal
from crm.models import Customer
from fieldconfig import rules as input_rules
from fieldconfig.lookup import config

from .models import PHONE_FIELDS, PUBLIC_FIELDS, InquiryForm, validate_addresses

MESSAGE_FIELD = "message"
MESSAGE_MAX = 4000
_DASHES = re.compile(r"[‐‑‒–—―−ーｰ－]")
_SPACES = re.compile(r"[ \u3000]+")
KANA_FIELDS = ("last_name_kana", "first_name_kana", "company_kana")
TEXT_FIELDS = ("last_name", "first_name", "company_name", "department", "title", "address", "building")

# What browsers and phones need to fill and offer the right keyboard.
AUTOCOMPLETE = {
    "last_name": "family-name", "first_name": "given-name", "company_name": "organization",
    "title": "organization-title", "postal_code": "postal-code", "address": "street-address",
    "building": "address-line2", "tel": "tel", "mobile": "tel", "fax": "off", "email": "email",
    "gender": "sex",
}
INPUT_MODE = {"postal_code": "numeric", "tel": "tel", "mobile": "tel", "fax": "tel", "email": "email"}


def tidy(name: str, value):
    """One visitor's value made storable (see the module's docstring)."""
    if not isinstance(value, str):
        return value
    value = value.strip()
    if not value:
        return value
    if name in PHONE_FIELDS:
        return _SPACES.sub(" ", _DASHES.sub("-", unicodedata.normalize("NFKC", value)))
    if name == "postal_code":
        code = postal.clean_code(value)
        return f"{code[:3]}-{code[3:]}" if code else unicodedata.normalize("NFKC", value).lstrip("〒").strip()
    if name == "email":
        return unicodedata.normalize("NFKC", value).replace(" ", "")
    if name in KANA_FIELDS:
        return _SPACES.sub(" ", jaconv.h2z(unicodedata.normalize("NFKC", value), kana=True, ascii=False,
                                          digit=False))
    if name in TEXT_FIELDS:
        return jaconv.h2z(value, kana=True, ascii=False, digit=False)
    return value


class PublicCustomerForm(forms.ModelForm):
    """What a visitor fills in. Built per web form by `public_form_class` (its fields are the admin's)."""

    inquiry: InquiryForm  # set on the class built for one web form
    required_names: frozenset = frozenset()

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:  # tidied before the fields check it: ０３－… is a phone number
            data = data.copy()
            for name in self._meta.fields:
                if name in data:
                    data[name] = tidy(name, data[name])
        super().__init__(data, *args, **kwargs)
        snapshot = config()
        for name, field in self.fields.items():
            if name == MESSAGE_FIELD:
                continue
            label = snapshot.label("customer", name)
            field.label = capfirst(label)
            rule = snapshot.input_rules("customer").get(name)
            field.required = name in self.required_names or bool(rule and rule.required)
            field.error_messages = {**field.error_messages, "required": gettext("Enter %(label)s.") % {"label": label}}
            choices = snapshot.choices("customer", name)
            if choices is not None and isinstance(field, forms.CharField):
                field.widget = forms.Select(choices=[("", "---------")] + [(c, c) for c in choices])
                field.choices_allowed = set(choices)
            attrs = field.widget.attrs
            attrs["autocomplete"] = AUTOCOMPLETE.get(name, "on")
            if name in INPUT_MODE:
                attrs["inputmode"] = INPUT_MODE[name]
            if field.required:
                attrs["required"] = True

    def clean(self):
        cleaned = super().clean()
        snapshot = config()
        rules = snapshot.input_rules("customer")
        for name in list(cleaned):
            if name == MESSAGE_FIELD:
                continue
            value = cleaned[name]
            allowed = getattr(self.fields[name], "choices_allowed", None)
            if allowed is not None and value and value not in allowed:
                self.add_error(name, gettext("Choose one of the listed values."))
                continue
            # The admin's conversions and width checks (C8); a "warn if empty" asks staff, not visitors.
            outcome = input_rules.apply(rules.get(name), value, label=snapshot.label("customer", name))
            if outcome.error:
                self.add_error(name, outcome.error)
                continue
            cleaned[name] = outcome.value
        reachable = [n for n in ("email", "tel", "mobile") if n in self.fields]
        if reachable and not any(cleaned.get(n) for n in reachable) and not any(n in self.errors for n in reachable):
            labels = "、".join(snapshot.label("customer", n) for n in reachable) if len(reachable) > 1 else \
                snapshot.label("customer", reachable[0])
            self.add_error(reachable[0], gettext("Enter at least one of %(labels)s so that we can reply.")
                           % {"labels": labels})
        return cleaned


def public_form_class(inquiry: InquiryForm, *, hidden=()) -> type[PublicCustomerForm]:
    names = inquiry.asked_fields(hidden)
    attrs = {
        "inquiry": inquiry,
        "required_names": frozenset(inquiry.required_fields or ()),
        "Meta": type("Meta", (), {"model": Customer, "fields": names}),
    }
    if inquiry.message_label:
        attrs[MESSAGE_FIELD] = forms.CharField(
            label=inquiry.message_label, required=False, max_length=MESSAGE_MAX,
            widget=forms.Textarea(attrs={"rows": 5}))
    return type("InquiryCustomerForm", (PublicCustomerForm,), attrs)


# --- the admin's form ---------------------------------------------------------------------
def field_choices(hidden=(), restricted=()) -> list[tuple[str, str]]:
    snapshot = config()
    return [(name, snapshot.label("customer", name)) for name in PUBLIC_FIELDS
            if name not in hidden and name not in restricted]


class InquiryFormSettingsForm(forms.ModelForm):
    fields = forms.MultipleChoiceField(label=_("Fields asked"), widget=forms.CheckboxSelectMultiple, choices=())
    required_fields = forms.MultipleChoiceField(label=_("Required fields"), widget=forms.CheckboxSelectMultiple,
                                                choices=(), required=False)

    class Meta:
        model = InquiryForm
        fields = ["name", "key", "active", "branch", "category", "intro", "fields", "required_fields",
                  "message_label", "thanks_text", "mail_subject", "mail_body", "notify_to"]
        widgets = {"notify_to": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        snapshot = config()
        # A hidden field is never asked; a restricted one (R3) is not for the public either.
        offered = field_choices(snapshot.hidden_fields("customer"), snapshot.restricted_fields("customer"))
        self.fields["fields"].choices = offered
        self.fields["required_fields"].choices = offered

    def clean_notify_to(self):
        value = self.cleaned_data["notify_to"]
        try:
            validate_addresses(value)
        except forms.ValidationError:
            raise forms.ValidationError(_("Enter email addresses, one per line.")) from None
        return value

    def clean(self):
        cleaned = super().clean()
        chosen = set(cleaned.get("fields") or ())
        if chosen and not chosen & {"email", "tel", "mobile"}:
            self.add_error("fields", _("Ask for an email address or a phone number, or no one can be answered."))
        missing = set(cleaned.get("required_fields") or ()) - chosen
        if missing:
            self.add_error("required_fields", _("A required field must also be among the fields asked."))
        for name in ("mail_subject", "mail_body"):
            text = cleaned.get(name) or ""
            if re.search(r"\{(?!name\}|form\})[^}]*\}", text):
                self.add_error(name, _("Only {name} and {form} can be filled in."))
        return cleaned
