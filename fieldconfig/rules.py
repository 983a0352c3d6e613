"""Input rules (C8, 入力規則): what an admin sets per field on 項目名設定, applied on every write.

    outcome = apply(rule, value, label="備考1")   # → Outcome(value, error, warning)

One pure function, called by the forms (crm.forms), the import (dataio.importing) and the bulk
update (dataio.bulk_actions, dataio.bulk, crm.services.customers_bulk_update). The rules come
from the cached configuration snapshot (fieldconfig.lookup): no query per row or field.

Order: the conversion first (what is stored), then the width check on the converted value,
then required / warn if empty. So 「全角に変換」 makes ｶﾀｶﾅ acceptable to 「全角のみ」, and
「ひらがなをカタカナに変換」 does not make half-width ｶﾀｶﾅ full-width.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import jaconv
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

# East Asian Width classes: W/F are full-width (漢字, ひらがな, ＡＢＣ), A (ambiguous: ※, ×, ○) is
# full-width in Japanese text; Na/H are half-width (ASCII, ｶﾀｶﾅ). N (neutral: line breaks) is neither.
_FULL_CLASSES = frozenset({"W", "F", "A"})
_HALF_CLASSES = frozenset({"Na", "H"})
SHOWN_CHARACTERS = 20


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


@dataclass(frozen=True)
class Outcome:
    value: object
    error: str | None = None
    warning: str | None = None


def convert(kind: str, value: str) -> str:
    """A conversion on save, with jaconv: ＡＢＣ１２３ ↔ ABC123, カタカナ ↔ ｶﾀｶﾅ (voiced marks
    joined: ｶﾞ ↔ ガ), the ideographic space ↔ a space; ひらがな → ヒラガナ."""
    if not value or not kind:
        return value
    if kind == TO_HALF:
        return jaconv.z2h(value, kana=True, ascii=True, digit=True)
    if kind == TO_FULL:
        return jaconv.h2z(value, kana=True, ascii=True, digit=True)
    if kind == HIRA_TO_KATA:
        return jaconv.hira2kata(value)
    raise ValueError(f"unknown conversion {kind!r}")


def offending_characters(width: str, value: str) -> str:
    """What `value` may not hold under a width rule, shown as it was typed: each run of such
    characters whole (「０３－１２３４」, not each character once: 「０３－１２４」), runs joined by 「、」,
    cut with 「…」 after SHOWN_CHARACTERS (issue 22, point 22).

    A space between words is allowed under 「全角のみ」: readings are stored with one half-width
    space between family and given name (crm.normalize.to_katakana), whatever was typed; inside a
    run it is shown as typed (「ﾔﾏﾀﾞ ﾊﾅｺ」)."""
    bad = _FULL_CLASSES if width == HALF_ONLY else _HALF_CLASSES
    runs: list[str] = []
    run = ""
    for char in value:
        if char == " " and width == FULL_ONLY:
            if run:
                run += char
            continue
        if unicodedata.east_asian_width(char) in bad:
            run += char
        elif run:
            runs.append(run.rstrip(" "))
            run = ""
    if run:
        runs.append(run.rstrip(" "))
    shown = "、".join(runs)
    return shown if len(shown) <= SHOWN_CHARACTERS else shown[:SHOWN_CHARACTERS] + "…"


def is_empty(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, set, dict)):
        return not value
    return False


def apply(rule: InputRule | None, value, *, label: str) -> Outcome:
    """A field's rules applied to one value: (the value to store, an error, a warning).

    Text rules (width, conversion) apply to strings only; required and warn if empty to any
    value (a date, a pulldown). Messages are in the user's language and name the rule.
    """
    if not rule:
        return Outcome(value)
    if isinstance(value, str) and rule.convert:
        value = convert(rule.convert, value)
    if isinstance(value, str) and rule.width and value:
        chars = offending_characters(rule.width, value)
        if chars:
            if rule.width == HALF_ONLY:
                message = gettext("Input rule “Half-width only”: %(label)s cannot hold full-width characters "
                                  "(%(chars)s).")
            else:
                message = gettext("Input rule “Full-width only”: %(label)s cannot hold half-width characters "
                                  "(%(chars)s).")
            return Outcome(value, error=message % {"label": label, "chars": chars.replace("\u3000", "␣")})
    if is_empty(value):
        if rule.required:
            return Outcome(value, error=required_message(label))
        if rule.warn_if_empty:
            return Outcome(value, warning=empty_warning(label))
    return Outcome(value)


def required_message(label: str) -> str:
    return gettext("Input rule “Required”: enter %(label)s.") % {"label": label}


def empty_warning(label: str) -> str:
    return gettext("Input rule “Warn if empty”: %(label)s is empty.") % {"label": label}


def apply_to_values(model: str, values: dict, *, snapshot=None) -> tuple[dict, dict[str, str], dict[str, str]]:
    """Every rule of `model` on the fields present in `values` (field → value): the converted
    values, errors and warnings by field. For services that get values from code (bulk
    updates), not from a form."""
    from .lookup import config

    snapshot = snapshot or config()
    rules = snapshot.input_rules(model)
    out, errors, warnings = dict(values), {}, {}
    for name, value in values.items():
        rule = rules.get(name)
        if not rule:
            continue
        outcome = apply(rule, value, label=snapshot.label(model, name))
        out[name] = outcome.value
        if outcome.error:
            errors[name] = outcome.error
        elif outcome.warning:
            warnings[name] = outcome.warning
    return out, errors, warnings
