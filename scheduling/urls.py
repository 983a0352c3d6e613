from django.contrib import admin
from django.urls import path

from . import views

app_name = "scheduling"


def _admin(view):
    return admin.site.admin_view(view)


urlpatterns = [
    path("scheduled/<int:pk>/cancel/", _admin(views.cancel_change), name="cancel"),
    path("follow/customer/<int:pk>/", _admin(views.follow_customer), name="follow_customer"),
    path("follow/branch/", _admin(views.follow_branch), name="follow_branch"),
    path("notifications/<int:pk>/", _admin(views.open_notification), name="open_notification"),
    path("notifications/read-all/", _admin(views.read_all), name="read_all"),
]
