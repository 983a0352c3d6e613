"""Views outside the admin's model screens: the home dashboard data and attachment downloads."""

import mimetypes

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.utils import timezone

from . import extensions, permissions, selectors
from . import permission_codes as codes
from .models import ContactAttachment, ContactHistory, Customer


def dashboard_callback(request, context):
    """Home screen (S1): quick search, counts, and the customers this user changed last."""
    user = request.user
    visible = permissions.visible_customers(user, Customer.objects.all())
    month_start = timezone.localdate().replace(day=1)
    context.update(
        {
            "customer_count": visible.count(),
            "contacts_this_month": permissions.visible_related(
                user, ContactHistory.objects.filter(date__gte=month_start)
            ).count(),
            "recent_customers": selectors.recently_changed_customers(user=user, visible=visible),
            "saved_searches": _saved_searches_with_usability(request),
        }
    )
    # What the features show on the home screen (C11's 更新通知 …): crm.extensions.
    templates = []
    for panel in extensions.home_panels():
        panel_context = panel.context(request)
        if panel_context is not None:
            context.update(panel_context)
            templates.append(panel.template)
    context["home_panels"] = templates
    return context


@login_required
def attachment_download(request, pk: int):
    """Attachments are never served from MEDIA_URL: only to users who may see the customer."""
    attachment = (
        ContactAttachment.objects.select_related("contact__customer")
        .filter(Q(pk=pk) & permissions.customer_scope_filter(request.user, "contact__customer__"))
        .first()
    )
    if attachment is None or not request.user.has_perm(codes.VIEW_CONTACT):
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    content_type = mimetypes.guess_type(attachment.original_name)[0] or "application/octet-stream"
    return FileResponse(handle, as_attachment=True, filename=str(attachment), content_type=content_type)


def _saved_searches_with_usability(request) -> list:
    """Each saved search marked `usable` when every condition is one this user may search by (R3)."""
    from django.contrib import admin

    customer_admin = admin.site.get_model_admin(Customer)
    searches = list(selectors.saved_searches_for(user=request.user))
    for saved in searches:
        saved.usable = customer_admin.saved_search_usable(request, saved)
    return searches
