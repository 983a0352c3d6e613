from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def roles_after_migrate(sender, using="default", **kwargs):
    """The role groups come from a data migration; a database flushed afterwards (a transactional
    test, `manage.py flush`) loses them. Recreate them then, once every app's permissions exist
    (this runs for the last app only); groups the admins already keep are never touched, except that
    a feature app installed since gets its grants (crm.extensions.grant) in the groups holding none of it."""
    if sender is not list(apps.get_app_configs())[-1]:
        return
    from django.contrib.auth.models import Group

    from .roles import ROLE_ORDER, grant_new_apps, sync_roles

    if not Group.objects.using(using).filter(name__in=ROLE_ORDER).exists():
        sync_roles(apps)
    else:
        grant_new_apps(apps, using)


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Customer management")

    def ready(self):
        from . import db  # noqa: F401  (registers kokyaku_triple on SQLite connections)

        post_migrate.connect(roles_after_migrate, dispatch_uid="crm.roles_after_migrate")
