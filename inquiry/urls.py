from django.urls import path

from . import views

app_name = "inquiry"

urlpatterns = [
    path("<slug:key>/", views.form_view, name="form"),
    path("<slug:key>/thanks/", views.thanks_view, name="thanks"),
]
