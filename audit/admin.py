"""The audit log's own screen (アクセスログ) is crm's (crm/admin/audit_log.py): what each admin reads
of it is the branch scope's and the restricted fields' (crm.permissions). Here: django-axes' screen."""

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin  # registers axes' admin first
from axes.models import AccessAttempt
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# django-axes' own screen offers an action that declares no permission; the one below asks for
# the delete permission on the attempts it cleans up (R1: every action states its permission).
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    actions = ["cleanup_expired_attempts"]

    @admin.action(description=_("Clean up expired attempts"), permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        return super().cleanup_expired_attempts(request, queryset)
