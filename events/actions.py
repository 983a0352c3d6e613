"""「業務イベントに追加」 on the customer list (E2): the ticked rows, or every result of the search
when 「すべて選択」 was used, onto an event's list after a confirmation page with the count."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import permissions
from dataio.selection import checked_action_count

from . import services


class LinkForm(forms.Form):
    event = forms.ModelChoiceField(label=gettext_lazy("Business event"), queryset=None,
                                   empty_label=gettext_lazy("Choose an event"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the events this user may fill (issue 22, point 19): of the branches they see, 申込中
        # ones (for administrators any but 完了 ones); another is refused at the field.
        self.fields["event"].queryset = services.linkable_events(user).select_related("branch")
        self.fields["event"].label_from_instance = lambda e: (
            f"{e}（{e.get_kind_display()}・{e.get_status_display()}{'・' + e.branch.name if e.branch_id else ''}）")
        permissions.scope_choice_fields(user, self.fields)  # R2, as every form's pulldowns


# On the customer list (crm.extensions): offered to those who may view customers (Django's check) and
# add customers to events (ListAction.allowed, events.hooks).
@admin.action(description=gettext_lazy("Add to a business event"), permissions=["view"])
def add_to_event(modeladmin, request, queryset):
    if not request.user.has_perm(services.LINK_PERMISSION):
        raise PermissionDenied
    count = checked_action_count(request, queryset)
    if count is None:
        return None
    selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
    across = request.POST.get("select_across") == "1"
    form = LinkForm(request.POST if "apply" in request.POST else None, user=request.user)
    if form.is_bound and form.is_valid():
        event = form.cleaned_data["event"]
        report = {}
        try:
            added, already = services.event_link_customers(
                event=event, customers=queryset, user=request.user, request=request, report=report,
                expected=None if across else len(set(selected)))
        except services.EventRefused as refused:
            # the page again with the reason at the event: the ticked customers stay chosen
            form.add_error("event", str(refused))
        else:
            text = _("%(added)s customers were added to 「%(event)s」.") % {"added": added, "event": event}
            return linked_response(request, event, text, already=already, plan=report["plan"])
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Add to a business event"), "opts": modeladmin.model._meta, "form": form, "count": count,
        "selected": selected, "select_across": across, "action": "add_to_event",
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "no_event": not form.fields["event"].queryset.exists(),
    }
    return TemplateResponse(request, "events/link_form.html", context)


def event_links_url(event) -> str:
    """The event's own customer list."""
    return reverse("admin:events_eventlink_changelist") + f"?event__id__exact={event.pk}"


def linked_response(request, event, text: str, *, already: int, plan):
    """After people were put on an event's list: what was done, who was already there, who was left
    out (喪中, another department's list: E5), then the event's list."""
    if already:
        text += _(" %(already)s were already on its list.") % {"already": already}
    messages.success(request, text)
    if plan.skipped_text():
        messages.warning(request, plan.skipped_text())
    return redirect(event_links_url(event))
