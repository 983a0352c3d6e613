from django import forms
from django.utils.translation import gettext_lazy as _

from .columns import TARGETS
from .exporting import FORMATS
from .reading import ENCODINGS

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


def target_choices():
    return [(key, target.title) for key, target in TARGETS.items()]


def encoding_choices():
    return [("", _("Detect automatically"))] + [(key, label) for key, label in ENCODINGS.items()]


class ImportForm(forms.Form):
    target = forms.ChoiceField(label=_("What the file holds"), choices=target_choices)
    file = forms.FileField(label=_("File (CSV or Excel .xlsx)"))
    encoding = forms.ChoiceField(label=_("Character encoding (CSV)"), choices=encoding_choices, required=False,
                                 help_text=_("Excel's “CSV” is Shift_JIS (CP932); “CSV UTF-8” is UTF-8 with BOM."))

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        if targets is not None:
            self.fields["target"].choices = [(k, v) for k, v in target_choices() if k in targets]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".txt", ".tsv", ".xlsx")):
            raise forms.ValidationError(_("Choose a CSV file (.csv) or an Excel workbook (.xlsx)."))
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        return upload


class RecheckForm(forms.Form):
    encoding = forms.ChoiceField(label=_("Character encoding (CSV)"), choices=encoding_choices, required=False)


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("File format"), widget=forms.RadioSelect, initial="csv_cp932")
    columns = forms.MultipleChoiceField(label=_("Columns to export"), widget=forms.CheckboxSelectMultiple,
                                        error_messages={"required": _("Choose at least one column.")})
    replace = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, columns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(key, fmt.label) for key, fmt in FORMATS.items()]
        self.fields["columns"].choices = [(c.name, c.label) for c in columns]
        self.fields["columns"].initial = [c.name for c in columns]
