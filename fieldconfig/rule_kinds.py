"""What an input rule (C8, 入力規則) is: its kinds and choices, as 項目名設定 stores them and the
configuration snapshot (fieldconfig.lookup) carries them. Applying one is fieldconfig.rules'."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Width rules: what may be typed.
HALF_ONLY = "half"
FULL_ONLY = "full"
WIDTH_CHOICES = [("", _("No limit")), (HALF_ONLY, _("Half-width only")), (FULL_ONLY, _("Full-width only"))]

# Conversions on save.
TO_HALF = "to_half"
TO_FULL = "to_full"
HIRA_TO_KATA = "hira2kata"
CONVERT_CHOICES = [
    ("", _("No conversion")),
    (TO_HALF, _("Convert to half-width")),
    (TO_FULL, _("Convert to full-width")),
    (HIRA_TO_KATA, _("Convert hiragana to katakana")),
]

@dataclass(frozen=True)
class InputRule:
    width: str = ""
    convert: str = ""
    required: bool = False
    warn_if_empty: bool = False

    def __bool__(self) -> bool:
        return bool(self.width or self.convert or self.required or self.warn_if_empty)

    @property
    def applies_to_text(self) -> bool:
        return bool(self.width or self.convert)

    def describe(self) -> str:
        """The rule's names as the 項目名設定 screen shows them: 「全角に変換・全角のみ・必須」."""
        parts = []
        if self.convert:
            parts.append(str(dict(CONVERT_CHOICES)[self.convert]))
        if self.width:
            parts.append(str(dict(WIDTH_CHOICES)[self.width]))
        if self.required:
            parts.append(gettext("Required"))
        if self.warn_if_empty:
            parts.append(gettext("Warn if empty"))
        return "・".join(parts)
