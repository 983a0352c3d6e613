from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import merge
from .models import MailTemplate


class MailForm(forms.Form):
    """The bulk mail screen: a saved template to start from, 件名 and 本文 with merge fields."""

    template = forms.ModelChoiceField(MailTemplate.objects.all(), label=_("Saved template"), required=False,
                                      empty_label=_("(write your own)"))
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Body"), widget=forms.Textarea(attrs={"rows": 12}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        if "subject" in data and "body" in data:
            try:
                merge.check(merge.Template(data["subject"], data["body"]), self.user)
            except merge.Refused as refused:
                field = "subject" if any(f"{{{{{n}}}}}" in p for n in merge.names_in(data["subject"])
                                         for p in refused.problems) else "body"
                for problem in refused.problems:
                    self.add_error(field, problem)
        return data

    def template_value(self) -> merge.Template:
        return merge.Template(self.cleaned_data["subject"], self.cleaned_data["body"])


class OptOutClearForm(forms.Form):
    """「配信停止を解除」 on the card: why (kept in the customer's history and the audit log)."""

    reason = forms.CharField(label=_("Reason"), max_length=200,
                             help_text=_("For example: the customer asked by phone to receive mail again."))
