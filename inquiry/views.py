"""The public pages of the web forms (I1): no login, nothing of the customer data readable.

    GET  /form/<key>/         the form (embeddable in the office's site: frame_ancestors)
    POST /form/<key>/         a submission: refused (a neutral page), shown again with what to fix, or
                              recorded and answered by a redirect to …
    GET  /form/<key>/thanks/  the form's thank-you text

Order on a POST: the body's size (before anything reads it), Django's CSRF check, the rate limit per
client address, the honeypot and the signed render time, then the fields. Whatever the visitor sends,
the answer is one of these pages; none depends on what the database holds.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from fieldconfig.lookup import config

from . import protection, services
from .forms import MESSAGE_FIELD, public_form_class
from .models import InquiryForm

logger = logging.getLogger(__name__)
_ORIGIN = re.compile(r"^(https?://[A-Za-z0-9.\-\[\]:*]+|'self')$")


def frame_ancestors() -> list[str]:
    """The origins allowed to show the public pages in a frame (INQUIRY_FRAME_ANCESTORS), well formed."""
    return [o for o in getattr(settings, "INQUIRY_FRAME_ANCESTORS", []) if _ORIGIN.match(o)]


def framable(response):
    """Only these pages may be framed, and only by the listed origins: CSP frame-ancestors (which,
    unlike X-Frame-Options, can list several); with no origin listed, X-Frame-Options stays DENY."""
    origins = frame_ancestors()
    if origins:
        response["Content-Security-Policy"] = "frame-ancestors 'self' " + " ".join(o for o in origins if o != "'self'")
        response.xframe_options_exempt = True
    return response


def _inquiry(key: str) -> InquiryForm:
    inquiry = InquiryForm.objects.select_related("branch", "category").filter(key=key).first()
    if inquiry is None:
        raise Http404
    return inquiry


def refused(request, *, why: str, status: int = 400):
    """The one page every refused post gets: it does not say why (the log does)."""
    logger.info("web form post refused: %s from %s", why, protection.client_address(request))
    response = render(request, "inquiry/refused.html", {"form_url": request.path}, status=status)
    return framable(response)


def _page(request, inquiry, form, token):
    context = {
        "inquiry": inquiry, "form": form, "token": token, "token_field": protection.TOKEN_FIELD,
        "honeypot_field": protection.HONEYPOT_FIELD, "message_field": MESSAGE_FIELD,
        "company_name": config().company_name,
        "fields": [form[name] for name in form.fields if name != MESSAGE_FIELD],
        "message": form[MESSAGE_FIELD] if MESSAGE_FIELD in form.fields else None,
    }
    return framable(render(request, "inquiry/form.html", context))


@csrf_protect
def _form(request, key):
    inquiry = _inquiry(key)
    if not inquiry.active:
        return framable(render(request, "inquiry/closed.html", {"inquiry": inquiry}))
    form_class = public_form_class(inquiry, hidden=config().hidden_fields("customer"))
    if request.method != "POST":
        return _page(request, inquiry, form_class(), protection.render_token(inquiry.key))
    if protection.rate_limited(request):
        return refused(request, why=protection.RATE_LIMITED, status=429)
    if protection.honeypot_filled(request.POST):
        return refused(request, why=protection.HONEYPOT)
    token = request.POST.get(protection.TOKEN_FIELD)
    problem = protection.token_problem(token, inquiry.key)
    if problem:
        return refused(request, why=problem)
    form = form_class(request.POST)
    if not form.is_valid():
        return _page(request, inquiry, form, token)  # what was typed stays; the same render time
    values = {name: value for name, value in form.cleaned_data.items() if name != MESSAGE_FIELD}
    services.inquiry_receive(inquiry=inquiry, values=values, message=form.cleaned_data.get(MESSAGE_FIELD, ""),
                             request=request, client=protection.client_address(request))
    return redirect("inquiry:thanks", key=inquiry.key)


@csrf_exempt  # the size is checked first; then _form's csrf_protect runs Django's CSRF check
@never_cache
def form_view(request, key):
    if request.method not in ("GET", "HEAD", "POST"):
        return refused(request, why="method", status=405)
    if request.method == "POST" and protection.body_too_large(request):
        return refused(request, why=protection.TOO_LARGE, status=413)
    return _form(request, key)


@never_cache
def thanks_view(request, key):
    inquiry = _inquiry(key)
    return framable(render(request, "inquiry/thanks.html", {"inquiry": inquiry}))
