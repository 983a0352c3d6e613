#!/usr/bin/env bash
# What this is for: ui_ja carries the Japanese for third-party apps that ship none
# (django-unfold incl. unfold.contrib.*, django-simple-history, django-guardian, django-axes)
# plus the strings django-import-export's bundled ja catalog leaves untranslated.
# After upgrading any of those packages, run this script: it re-extracts every msgid from the
# *installed* packages and msgmerges them into ui_ja/locale/ja/LC_MESSAGES/django.po, so new
# strings show up as entries with an empty msgstr (strings that disappeared are dropped).
# Translate the empty entries, run the script again (it recompiles django.mo), and commit
# both the .po and the .mo. tests/test_j1_translations.py fails while anything is untranslated.
#
# Usage: ui_ja/update_translations.sh    (needs GNU gettext's tools: apt-get install -y gettext)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
PO="$HERE/locale/ja/LC_MESSAGES/django.po"
MO="$HERE/locale/ja/LC_MESSAGES/django.mo"
PACKAGES="unfold simple_history guardian axes"

for tool in xgettext msgmerge msgcat msgattrib msginit msgfmt; do
    command -v "$tool" >/dev/null || { echo "$tool missing: apt-get install -y gettext" >&2; exit 1; }
done

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

pkg_dir() { "$PY" -c 'import importlib.util, sys; print(importlib.util.find_spec(sys.argv[1]).submodule_search_locations[0])' "$1"; }

# Copy one package (without its own catalogs, static files and test apps) into a scratch project
# and run Django's makemessages there; prints the path of the resulting .po.
extract() {
    local pkg="$1" src work
    src="$(pkg_dir "$pkg")"
    work="$TMP/src/$pkg"
    mkdir -p "$work/locale"
    "$PY" -c 'import shutil, sys; shutil.copytree(sys.argv[1], sys.argv[2], ignore=shutil.ignore_patterns(
        "locale", "static", "tests", "testapp", "__pycache__"))' "$src" "$work/$pkg"
    # No DJANGO_SETTINGS_MODULE: makemessages then configures bare settings itself.
    (cd "$work" && env -u DJANGO_SETTINGS_MODULE "$PY" -m django makemessages -l ja \
        --no-obsolete --domain django >/dev/null)
    echo "$work/locale/ja/LC_MESSAGES/django.po"
}

parts=()
for pkg in $PACKAGES; do
    parts+=("$(extract "$pkg")")
done

# django-import-export ships ja: keep only the msgids its catalog lacks, leaves empty or marks fuzzy
# (fuzzy entries are not compiled, so they are English at run time too).
ie_fresh="$(extract import_export)"
ie_ja="$(pkg_dir import_export)/locale/ja/LC_MESSAGES/django.po"
# Its header is marked fuzzy: unmark it (only the header) so --clear-fuzzy --empty keeps the charset.
sed '1,/^msgid ""$/{/^#, fuzzy$/d}' "$ie_ja" >"$TMP/ie_ja.po"
msgmerge --quiet --no-fuzzy-matching --no-wrap -o "$TMP/ie_merged.po" "$TMP/ie_ja.po" "$ie_fresh"
msgattrib --clear-fuzzy --empty --no-obsolete "$TMP/ie_merged.po" \
    | msgattrib --untranslated --no-wrap -o "$TMP/ie_untranslated.po" -
# Same entries (their locations already come from the fresh extraction) under the fresh header.
{ sed '/^$/q' "$ie_fresh"; sed '1,/^$/d' "$TMP/ie_untranslated.po"; } >"$TMP/ie_gaps.po"
parts+=("$TMP/ie_gaps.po")

# xgettext cannot see gettext calls inside f-strings (f"{_('Welcome')} {username}"), so such
# msgids are listed here as package|msgid. tests/test_j1_translations.py scans the sources for
# them too and fails on any that is missing from the .po: add it here when that happens.
FSTRING_MSGIDS=("unfold|Welcome")
extra="$TMP/fstrings.po"
sed '/^$/q' "${parts[0]}" >"$extra"
for item in "${FSTRING_MSGIDS[@]}"; do
    pkg="${item%%|*}"
    msgid="${item#*|}"
    where="$(cd "$(dirname "$(pkg_dir "$pkg")")" \
        && grep -rnF --include='*.py' -e "_('$msgid')" -e "_(\"$msgid\")" "$pkg" | cut -d: -f1,2 | tr '\n' ' ')"
    [ -n "$where" ] || continue  # gone upstream: let it drop out of the .po
    printf '#: %s\nmsgid "%s"\nmsgstr ""\n\n' "$where" "$msgid" >>"$extra"
done
parts+=("$extra")

# Give every part the same header, so that msgcat merges the locations of a msgid shared by
# several packages instead of flagging a header conflict (--use-first would drop locations).
for part in "${parts[@]}"; do
    sed -i '/^"POT-Creation-Date: /d' "$part"
done
msgcat --no-wrap --sort-by-file -o "$TMP/all.pot" "${parts[@]}"

if [ -f "$PO" ]; then
    msgmerge --quiet --update --backup=none --no-fuzzy-matching --no-wrap "$PO" "$TMP/all.pot"
    msgattrib --no-obsolete --no-wrap -o "$PO" "$PO"
else
    mkdir -p "$(dirname "$PO")"
    msginit --no-translator --no-wrap --locale=ja.UTF-8 -i "$TMP/all.pot" -o "$PO" 2>/dev/null
fi

# A msgid Kokyaku's own catalog (locale/, first in LOCALE_PATHS) translates is decided there, not here:
# drop it, so that one place says each string's Japanese (tests/test_j1_translations.py checks it).
"$PY" - "$PO" "$ROOT/locale/ja/LC_MESSAGES/django.po" <<'PYEOF'
import sys

import polib

ours, project = polib.pofile(sys.argv[1], wrapwidth=0), polib.pofile(sys.argv[2])
decided = {(e.msgctxt, e.msgid) for e in project if not e.obsolete}
for entry in [e for e in ours if (e.msgctxt, e.msgid) in decided]:
    ours.remove(entry)
ours.save()
PYEOF
msgfmt --check --statistics -o "$MO" "$PO"
untranslated="$(msgattrib --untranslated --no-obsolete "$PO" | grep -c '^msgid ' || true)"
fuzzy="$(msgattrib --only-fuzzy --no-obsolete "$PO" | grep -c '^msgid ' || true)"
# Both counts include the header entry when any message matched.
if [ "${untranslated:-0}" -gt 1 ] || [ "${fuzzy:-0}" -gt 1 ]; then
    echo "Untranslated or fuzzy entries remain in $PO; list them with:" >&2
    echo "  msgattrib --untranslated $PO; msgattrib --only-fuzzy $PO" >&2
    exit 2
fi
echo "Up to date: $PO and $MO"
