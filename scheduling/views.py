"""C11 buttons: cancel a scheduled change, follow / unfollow, open a notification.

Wrapped by the admin site's admin_view (login, staff) in scheduling/urls.py. Each change is a
POST; a GET only goes back where the button was.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .models import ScheduledChange


def _card(customer_id):
    return reverse("admin:crm_customer_change", args=[customer_id])


@require_http_methods(["GET", "POST"])
def cancel_change(request, pk: int):
    change = ScheduledChange.objects.filter(pk=pk).values("customer_id").first()
    if change is None or change["customer_id"] is None:
        raise Http404
    if request.method == "POST":
        try:
            services.cancel(change_id=pk, user=request.user)
        except PermissionDenied:
            raise Http404 from None  # another branch's customer: as if it did not exist
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The scheduled change was cancelled."))
    return redirect(_card(change["customer_id"]))


@require_http_methods(["GET", "POST"])
def follow_customer(request, pk: int):
    if request.method == "POST":
        on = request.POST.get("follow") == "1"
        try:
            services.follow_customer(user=request.user, customer_id=pk, on=on)
        except PermissionDenied:
            raise Http404 from None
        messages.success(request, _("You now follow this customer.") if on else _("You no longer follow this customer."))
    return redirect(_card(pk))


@require_http_methods(["GET", "POST"])
def follow_branch(request):
    if request.method == "POST":
        on = request.POST.get("follow") == "1"
        try:
            branch_id = int(request.POST.get("branch", ""))
            services.follow_branch(user=request.user, branch_id=branch_id, on=on)
        except (ValueError, PermissionDenied):
            messages.error(request, _("Choose a department."))
        else:
            messages.success(request, _("You now follow this department.") if on
                             else _("You no longer follow this department."))
    return redirect(reverse("admin:index") + "#notifications")


@require_http_methods(["GET"])
def open_notification(request, pk: int):
    """Opening a notification marks it read and shows the customer's card."""
    notification = selectors.visible_notification(user=request.user, pk=pk)
    if notification is None:
        raise Http404
    services.mark_read(user=request.user, notification_id=pk)
    if notification.customer_id:
        return redirect(_card(notification.customer_id))
    return redirect(reverse("admin:index") + "#notifications")


@require_http_methods(["GET", "POST"])
def read_all(request):
    if request.method == "POST":
        services.mark_read(user=request.user)
    return redirect(reverse("admin:index") + "#notifications")
