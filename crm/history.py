"""Restoring a past version (C4): how a restore is recorded, and how the history tells it apart.

A restore is a change like any other for simple-history (history_type "~"); what marks it is its
更新目的, written here and nowhere else: 「復元（2026/12/01 10:30 の版）」, followed by what the
user typed, if anything.
"""

import functools
import re

from django.conf import settings
from django.utils import translation
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

RESTORED = gettext_noop("Restored (the version of %(date)s)")
VERSION_DATE_FORMAT = "%Y/%m/%d %H:%M"


def version_date(version) -> str:
    return localtime(version.history_date).strftime(VERSION_DATE_FORMAT)


def restore_reason(*, version, typed: str = "") -> str:
    """The 更新目的 of a restore: which version it brought back, then the user's own words."""
    reason = _(RESTORED) % {"date": version_date(version)}
    return f"{reason}: {typed}" if typed else reason


@functools.cache
def _restore_prefixes() -> tuple[str, ...]:
    # In every language the office may have written it in.
    prefixes = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            prefixes.append(_(RESTORED).split("%(date)s")[0])
    return tuple(dict.fromkeys(prefixes))


_DATE = re.compile(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}")


def is_restore(record) -> bool:
    """Whether a historical record was written by restoring a past version."""
    reason = record.history_change_reason or ""
    return record.history_type == "~" and reason.startswith(_restore_prefixes()) and bool(_DATE.search(reason))
