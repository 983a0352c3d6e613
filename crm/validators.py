"""Field validators with messages in the user's language (Japanese by default)."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_PHONE = re.compile(r"^[0-9+()\- ]*$")
_POSTAL = re.compile(r"^\d{3}-?\d{4}$")
_KANJI = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]")


def validate_phone(value: str) -> None:
    if value and not _PHONE.match(unicodedata.normalize("NFKC", value)):
        raise ValidationError(_("Enter a phone number using digits and hyphens only."), code="phone")


def validate_postal_code(value: str) -> None:
    if value and not _POSTAL.match(unicodedata.normalize("NFKC", value).strip()):
        raise ValidationError(_("Enter a postal code as 7 digits, e.g. 100-0001."), code="postal_code")


def validate_kana(value: str) -> None:
    if value and _KANJI.search(value):
        raise ValidationError(_("Enter the reading in kana, not kanji."), code="kana")
