"""Login, logout, failure and lockout come from Django's and axes' signals: the only place they exist."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import events


@receiver(user_logged_in, dispatch_uid="audit-login")
def on_login(sender, request, user, **kwargs):
    events.record(events.Action.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="audit-logout")
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        events.record(events.Action.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="audit-login-failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    events.record(events.Action.LOGIN_FAILED, request=request, username=str(credentials.get("username", ""))[:150])


@receiver(user_locked_out, dispatch_uid="audit-lockout")
def on_locked_out(sender, request, username, ip_address, **kwargs):
    events.record(events.Action.LOCKOUT, request=request, username=str(username or "")[:150])
