"""The customer list's bulk actions (S5): 会社情報の一括変更 and チェック項目の一括設定.

Each opens a confirmation page with the number of customers it covers (the ticked rows, or
every result of the search when 「すべて選択」 was used) and the values to set; applying it
writes through dataio.bulk, on the worker when the selection is large.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Count, Sum
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import permissions
from crm.forms import postal_lookup_attrs
from crm.models import Customer
from fieldconfig import defaults
from fieldconfig import rules as input_rules
from fieldconfig.lookup import config
from jobs import services as job_services

from . import bulk
from .selection import checked_action_count


def sync_limit() -> int:
    return getattr(settings, "BULK_SYNC_MAX_ROWS", 5000)


class CompanyBlockForm(forms.Form):
    class Media:
        js = ["kokyaku/customer_form.js"]

    reason = forms.CharField(label=gettext_lazy("Purpose of the change (kept in the history)"), max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].initial = _("Company renamed or moved")
        invisible = permissions.invisible_fields(user, "customer")
        self.names = [n for n in bulk.COMPANY_BLOCK if n not in invisible]
        for name in self.names:
            model_field = Customer._meta.get_field(name)
            self.fields[f"change_{name}"] = forms.BooleanField(label=_("Change this field"), required=False)
            field = model_field.formfield()
            field.required = False
            field.label = config().label("customer", name)
            if name == "postal_code" and "address" in self.names:  # 住所検索 as on the card (C7)
                field.widget.attrs.update(postal_lookup_attrs(address_field="address"))
            self.fields[name] = field

    def rows(self):
        return [(self[f"change_{name}"], self[name]) for name in self.names]

    def clean(self):
        data = super().clean()
        if not any(data.get(f"change_{name}") for name in self.names):
            raise forms.ValidationError(_("Tick 「Change this field」 for at least one field."))
        rules = config().input_rules("customer")
        self.empty_warnings = []
        for name in self.names:
            if not data.get(f"change_{name}"):
                continue
            # The input rules (C8) as the card applies them: converted, or refused at the field.
            outcome = input_rules.apply(rules.get(name), data.get(name) or "", label=config().label("customer", name))
            if outcome.error:
                self.add_error(name, outcome.error)
                continue
            data[name] = value = outcome.value
            if outcome.warning:
                self.empty_warnings.append(outcome.warning)
            if value:
                try:  # the model's own rules (postal code, phone, kana), as the card applies them
                    Customer._meta.get_field(name).run_validators(value)
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return data

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in self.names
                if self.cleaned_data.get(f"change_{name}")}


class CheckboxForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Purpose of the change (kept in the history)"), max_length=200)
    tick = forms.MultipleChoiceField(label=gettext_lazy("Checkboxes to tick"), required=False, widget=forms.CheckboxSelectMultiple)
    untick = forms.MultipleChoiceField(label=gettext_lazy("Checkboxes to untick"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].initial = _("Checkboxes set in bulk")
        invisible = permissions.invisible_fields(user, "customer")
        snapshot = config()
        choices = [(f"check{i}", snapshot.label("customer", f"check{i}")) for i in range(1, defaults.CHECK_COUNT + 1)
                   if f"check{i}" not in invisible]
        self.fields["tick"].choices = self.fields["untick"].choices = choices

    def clean(self):
        data = super().clean()
        tick, untick = set(data.get("tick") or []), set(data.get("untick") or [])
        if tick & untick:
            raise forms.ValidationError(_("A checkbox cannot be ticked and unticked at once."))
        if not tick and not untick:
            raise forms.ValidationError(_("Choose the checkboxes to tick or untick."))
        return data

    def values(self) -> dict:
        return bulk.checkbox_values(self.cleaned_data["tick"], self.cleaned_data["untick"])


def _run(modeladmin, request, queryset, *, form_class, action: str, title: str, template: str):
    count = checked_action_count(request, queryset)
    if count is None:
        return None
    selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
    across = request.POST.get("select_across") == "1"
    form = form_class(request.POST if "apply" in request.POST else None, user=request.user)
    # What the confirmation page showed (issue 24.3): the chosen customers' count and versions. A customer
    # saved since (card, toggle, import, another bulk change) refuses the run; the form keeps what was typed.
    stamp = selection_stamp(queryset)
    seen = request.POST.get("seen_versions") or stamp
    if form.is_bound and form.is_valid() and seen != stamp:
        messages.error(request, _("Some of the chosen customers were changed after this screen was opened. "
                                  "Nothing was changed: check them and apply again."))
        seen = stamp
    elif form.is_bound and form.is_valid():
        values, reason = form.values(), form.cleaned_data["reason"]
        if count > sync_limit():
            job = job_services.start_job(
                kind="bulk_update", owner=request.user, total=count, title=title,
                params={"query": request.GET.urlencode(), "ids": None if across else [int(i) for i in selected],
                        "values": values, "reason": reason, "action": action},
            )
            return redirect(reverse("admin:jobs_job_change", args=[job.pk]))
        changed = bulk.bulk_update(user=request.user, queryset=queryset, values=values, reason=reason, action=action)
        messages.success(request, _("%(count)s customers were changed.") % {"count": changed})
        for warning in getattr(form, "empty_warnings", ()):
            messages.warning(request, warning)  # 「空欄時に警告」 (C8): emptied as asked, said once
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title, "opts": modeladmin.model._meta, "form": form, "count": count,
        "selected": selected, "select_across": across, "action": action,
        "action_checkbox_name": ACTION_CHECKBOX_NAME, "seen_versions": seen,
    }
    return TemplateResponse(request, template, context)


def selection_stamp(queryset) -> str:
    """The chosen customers' count and the sum of their versions: any write of one of them changes it."""
    totals = queryset.order_by().aggregate(count=Count("pk"), versions=Sum("version"))
    return f"{totals['count']}:{totals['versions'] or 0}"


@admin.action(description=gettext_lazy("Change the company block (rename, move)"), permissions=["change"])
def update_company_block(modeladmin, request, queryset):
    return _run(modeladmin, request, queryset, form_class=CompanyBlockForm, action="update_company_block",
                title=_("Change the company block"), template="dataio/bulk_form.html")


@admin.action(description=gettext_lazy("Tick or untick checkboxes"), permissions=["change"])
def set_checkboxes(modeladmin, request, queryset):
    return _run(modeladmin, request, queryset, form_class=CheckboxForm, action="set_checkboxes",
                title=_("Tick or untick checkboxes"), template="dataio/bulk_form.html")
