"""「家族を追加」 on an event's list (E9): the family members of the ticked rows' customers, chosen
on a confirmation page, go onto the same event (as well as the customer, or in their place)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import permissions

from . import services
from .actions import linked_response

SPOUSE_WORDS = ("配偶者", "妻", "夫", "奥様", "ご主人")


class FamilyForm(forms.Form):
    family = forms.ModelMultipleChoiceField(label=gettext_lazy("Family members"), queryset=None,
                                            widget=forms.CheckboxSelectMultiple)
    instead = forms.BooleanField(label=gettext_lazy("Instead of the customer (remove the customer's own row)"),
                                 required=False)

    def __init__(self, *args, user, links, **kwargs):
        super().__init__(*args, **kwargs)
        choices = services.family_choices(user, links)
        self.fields["family"].queryset = choices
        hidden = permissions.invisible_fields(user, "familymember")  # R3: a restricted name is not shown
        self.fields["family"].label_from_instance = lambda m: (
            f"{_('(family)') if 'name' in hidden else m.name + ' 様'}（{m.customer.full_name or m.customer.company_name}"
            f"{'・' + m.relation if m.relation and 'relation' not in hidden else ''}）")
        self.fields["family"].error_messages["required"] = _("Choose at least one family member.")
        permissions.scope_choice_fields(user, self.fields)  # R2, as every form's pulldowns
        if not self.is_bound:
            self.initial["family"] = [m.pk for m in choices if any(w in m.relation for w in SPOUSE_WORDS)]


@admin.action(description=gettext_lazy("Add family members (家族を追加)"), permissions=["event_link"])
def add_family(modeladmin, request, queryset):
    if not request.user.has_perm(services.LINK_PERMISSION):
        raise PermissionDenied
    events = list(queryset.order_by().values_list("event_id", flat=True).distinct()[:2])
    if len(events) != 1:
        messages.error(request, _("Tick rows of one event to add their family members. Nothing was changed."))
        return None
    event = services.visible_events(request.user).filter(pk=events[0]).first()
    if event is None:
        raise PermissionDenied
    form = FamilyForm(request.POST if "apply" in request.POST else None, user=request.user, links=queryset)
    if not form.fields["family"].queryset.exists():
        messages.error(request, _("The ticked customers have no family members registered. Nothing was changed."))
        return None
    if form.is_bound and form.is_valid():
        try:
            planned = services.event_link_family(
                event=event, family_ids=[m.pk for m in form.cleaned_data["family"]], user=request.user,
                instead=form.cleaned_data["instead"], request=request)
        except services.EventRefused as refused:
            messages.error(request, str(refused))
            return None
        text = _("%(added)s family members were added to 「%(event)s」.") % {"added": len(planned.add), "event": event}
        return linked_response(request, event, text, already=planned.already, plan=planned)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Add family members to 「%(event)s」") % {"event": event}, "opts": modeladmin.model._meta,
        "form": form, "event": event, "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across") == "1", "action": "add_family",
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "events/family_form.html", context)
