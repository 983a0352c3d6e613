"""C11 buttons: cancel a scheduled change, follow / unfollow, open a notification.

Wrapped by the admin site's admin_view (login, staff) in scheduling/urls.py. Each change is a
POST; a GET only goes back where the button was. Whatever the method, an object out of the
user's scope answers 404 exactly as a missing one, and the attempt is logged (R2, R4).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audit import events as audit_events
from crm import permissions
from crm.models import Branch, Customer

from . import selectors, services
from .models import Notification, ScheduledChange


def _card(customer_id):
    return reverse("admin:crm_customer_change", args=[customer_id])


def _not_found(request, *, exists: bool):
    """Out of the user's scope answers as missing (404, no redirect that names the customer);
    an object that exists is a refused attempt, logged (R2, R4) as the admin screens do."""
    if exists:
        audit_events.access_refused(request=request, path=request.get_full_path()[:500])
    raise Http404


@require_http_methods(["GET", "POST"])
def cancel_change(request, pk: int):
    change = selectors.visible_change(user=request.user, pk=pk)
    if change is None:  # missing, another branch's, or touching only fields the user may not see
        _not_found(request, exists=ScheduledChange.objects.filter(pk=pk).exists())
    if request.method == "POST":
        try:
            services.cancel(change_id=pk, user=request.user)
        except PermissionDenied:
            _not_found(request, exists=True)  # 参照のみ, or a colleague's change of a restricted field
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The scheduled change was cancelled."))
    return redirect(_card(change.customer_id))


@require_http_methods(["GET", "POST"])
def follow_customer(request, pk: int):
    if not permissions.visible_customers(request.user).filter(pk=pk).exists():
        _not_found(request, exists=Customer.objects.filter(pk=pk).exists())
    if request.method == "POST":
        on = request.POST.get("follow") == "1"
        try:
            services.follow_customer(user=request.user, customer_id=pk, on=on)
        except PermissionDenied:
            _not_found(request, exists=True)
        messages.success(request, _("You now follow this customer.") if on else _("You no longer follow this customer."))
    return redirect(_card(pk))


@require_http_methods(["GET", "POST"])
def follow_branch(request):
    if request.method == "POST":
        on = request.POST.get("follow") == "1"
        raw = request.POST.get("branch", "")
        try:
            services.follow_branch(user=request.user, branch_id=int(raw), on=on)
        except (ValueError, PermissionDenied):
            # the same answer for a department that is not there and one that is not the user's
            if raw.isdigit() and Branch.objects.filter(pk=raw).exists():
                audit_events.access_refused(request=request, path=request.get_full_path()[:500])
            messages.error(request, _("Choose a department."))
        else:
            messages.success(request, _("You now follow this department.") if on
                             else _("You no longer follow this department."))
    return redirect(reverse("admin:index") + "#notifications")


@require_http_methods(["GET"])
def open_notification(request, pk: int):
    """Opening a notification marks it read and shows the customer's card."""
    notification = selectors.visible_notification(user=request.user, pk=pk)
    if notification is None:  # missing, someone else's, or of a customer out of the user's scope
        _not_found(request, exists=Notification.objects.filter(pk=pk).exists())
    services.mark_read(user=request.user, notification_id=pk)
    if notification.customer_id:
        return redirect(_card(notification.customer_id))
    return redirect(reverse("admin:index") + "#notifications")


@require_http_methods(["GET", "POST"])
def read_all(request):
    if request.method == "POST":
        services.mark_read(user=request.user)
    return redirect(reverse("admin:index") + "#notifications")
