"""The print screen's choices: what to print and, for labels, where on the sheet to start."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm import extensions


class PrintForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to print"), choices=lambda: [(k.key, k.label) for k in extensions.print_kinds().values()], initial="list",
                             widget=forms.RadioSelect)
    start = forms.IntegerField(
        label=_("Start at label"), min_value=1, max_value=12, initial=1,
        help_text=_("1 is the top left, 2 the top right … 12 the bottom right: reuse a partly used sheet."),
        error_messages={"required": _("Enter a label position from 1 to 12."),
                        "min_value": _("Enter a label position from 1 to 12."),
                        "max_value": _("Enter a label position from 1 to 12."),
                        "invalid": _("Enter a label position from 1 to 12.")},
    )
    with_sender = forms.BooleanField(
        label=_("Print the sender (our address) on postcards"), required=False,
        help_text=_("The address, name and phone set on システム設定."),
    )
