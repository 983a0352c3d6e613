from django.contrib import admin
from django.contrib.admin import sites
from unfold.apps import DefaultAppConfig


class UnfoldConfig(DefaultAppConfig):
    """unfold, with Kokyaku's admin site as the default one (it replaces admin.site as unfold's does)."""

    def ready(self):
        from .admin_site import KokyakuAdminSite

        site = KokyakuAdminSite()
        admin.site = site
        sites.site = site
