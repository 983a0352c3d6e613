from django.urls import path

from . import views

urlpatterns = [
    path("optout/<str:token>/", views.opt_out_view, name="mailing_opt_out"),
]
