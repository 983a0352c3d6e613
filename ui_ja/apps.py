from django.apps import AppConfig


class UiJaConfig(AppConfig):
    """Carries Japanese translations for third-party apps that ship none (unfold, guardian, axes, simple-history)."""

    name = "ui_ja"
    verbose_name = "UI translations"
