from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from . import views

admin.site.index_title = _("Home screen")

urlpatterns = [
    path("healthz", views.health, name="health"),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("crm.urls")),
    path("updates/", include("scheduling.urls")),
    path("api/", include("api.urls")),
    path("mail/", include("mailing.urls")),
    path("form/", include("inquiry.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "config.views.server_error"
