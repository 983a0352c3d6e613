from axes.apps import AppConfig as AxesAppConfig
from django.contrib import admin
from django.contrib.admin import sites
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.apps import DefaultAppConfig


class UnfoldConfig(DefaultAppConfig):
    """unfold, with Kokyaku's admin site as the default one (it replaces admin.site as unfold's does)."""

    def ready(self):
        from .admin_site import KokyakuAdminSite

        site = KokyakuAdminSite()
        admin.site = site
        sites.site = site


class AxesConfig(AxesAppConfig):
    """django-axes named in the user's language: its app has no verbose name ("Axes" in the
    breadcrumbs) and its records name themselves in English with ISO dates ("Access Log for
    admin @ 2026-12-03 …"), shown in titles and on delete pages."""

    verbose_name = _("Login security")

    def ready(self):
        super().ready()
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        from crm.dates import format_datetime

        AccessLog.__str__ = lambda log: gettext("Login of %(user)s, %(at)s") % {
            "user": log.username, "at": format_datetime(log.attempt_time)}
        AccessFailureLog.__str__ = lambda log: gettext("Failed login of %(user)s, %(at)s") % {
            "user": log.username, "at": format_datetime(log.attempt_time)}
        AccessAttempt.__str__ = lambda attempt: gettext("Login attempts of %(user)s, %(at)s") % {
            "user": attempt.username, "at": format_datetime(attempt.attempt_time)}
