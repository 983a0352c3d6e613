"""Outside systems (a POS, a sales system) and their tokens (I2).

A token acts as one staff member: the API asks the same policy as the screens (crm.permissions), so
that user's role, branches and restricted fields apply. Only the SHA-256 of a token's secret is kept;
the secret is shown once, when the token is made (api.tokens.token_create)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    CUSTOMERS_READ = "customers:read", _("Read customers")
    CUSTOMERS_WRITE = "customers:write", _("Write customers")
    PURCHASES_WRITE = "purchases:write", _("Write purchases")
    POINTS = "points", _("Points (balance, ledger and entries)")


class ApiClient(models.Model):
    name = models.CharField(_("Outside system"), max_length=100, unique=True)
    note = models.TextField(_("Note"), blank=True)
    created_at = models.DateTimeField(_("Registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ApiToken(models.Model):
    client = models.ForeignKey(ApiClient, verbose_name=_("Outside system"), on_delete=models.CASCADE,
                               related_name="tokens")
    name = models.CharField(_("Token name"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Acts as"), on_delete=models.PROTECT, related_name="api_tokens",
        help_text=_("The token reads and writes as this staff member: their role, branches and restricted fields apply."),
    )
    prefix = models.CharField(_("Token prefix"), max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)  # sha256 of the secret, hex
    scopes = models.JSONField(_("Scopes"), default=list)
    expires_at = models.DateTimeField(_("Expires at"))
    revoked_at = models.DateTimeField(_("Revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("Last used at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("Registered at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Registered by"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["client__name", "-created_at"]

    def __str__(self):
        return f"{self.client} {self.name or self.prefix}".strip()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class IdempotencyKey(models.Model):
    """The first answer to a write posted with an `Idempotency-Key` header, per outside system. The key
    row is inserted in the same transaction as the write: a second post of the same key waits for the
    first to commit, then finds the row (unique constraint) and answers what the first answered; a
    post whose transaction died left no row, so its retry writes."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)  # sha256 of the operation and its body
    status = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="api_idempotency_key_once")]
