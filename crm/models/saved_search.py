from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedSearch(models.Model):
    """A named set of search conditions (the querystring), private or shared with everyone."""

    name = models.CharField(_("Name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Owner"), on_delete=models.CASCADE, related_name="saved_searches"
    )
    shared = models.BooleanField(_("Shared with everyone"), default=False)
    querystring = models.TextField(_("Conditions"))
    created_at = models.DateTimeField(_("Registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Saved search")
        verbose_name_plural = _("Saved searches")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name
