"""J1: Japanese for the third-party apps that ship none (ui_ja/locale/ja/LC_MESSAGES/django.po).

unfold (incl. unfold.contrib.*), django-simple-history, django-guardian and django-axes have no ja
catalog, and django-import-export's leaves some msgids untranslated; the app ``ui_ja`` carries them.

(a) Well-known strings of each package come out in Japanese through Django's own machinery.
(b) The catalog is complete and consistent: nothing empty or fuzzy, placeholders kept, the committed
    .mo holds exactly the .po's translations, and every literal msgid found in the installed
    packages' sources is in the .po (or, for import_export, translated by its own ja catalog).
    After upgrading a package, run ui_ja/update_translations.sh and translate what it reports.
"""

import ast
import gettext as gettext_module
import importlib.util
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

LC_MESSAGES = Path(__file__).resolve().parent.parent / "ui_ja" / "locale" / "ja" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"
PACKAGES = ["unfold", "simple_history", "guardian", "axes"]


# --------------------------------------------------------------------------- .po reader


@dataclass
class Entry:
    msgid: str = None
    msgctxt: str = None
    msgid_plural: str = None
    msgstr: dict = field(default_factory=dict)  # plural index -> text (0 for singular entries)
    flags: set = field(default_factory=set)
    references: list = field(default_factory=list)
    obsolete: bool = False

    @property
    def catalog_key(self):
        """The key GNUTranslations uses for this entry's first form."""
        key = self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"
        return (key, 0) if self.msgid_plural is not None else key

    @property
    def packages(self):
        return {ref.split("/", 1)[0] for ref in self.references}


def read_po(path):
    """A small .po parser: header entry first, then every message in file order."""
    entries, current, target = [], None, None

    def flush():
        nonlocal current
        if current is not None and current.msgid is not None:
            entries.append(current)
        current = None

    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            flush()
            continue
        if current is None:
            current = Entry()
        if line.startswith("#~"):
            current.obsolete = True
            line = line[2:].strip()
            if not line:
                continue
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#:"):
            current.references.extend(line[2:].split())
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if target[0] == "msgstr":
                current.msgstr[target[1]] += value
            else:
                setattr(current, target[0], getattr(current, target[0]) + value)
        else:
            keyword, _, literal = line.partition(" ")
            value = ast.literal_eval(literal)
            match = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
            if match:
                target = ("msgstr", int(match.group(1) or 0))
                current.msgstr[target[1]] = value
            else:
                assert keyword in ("msgid", "msgid_plural", "msgctxt"), f"unexpected line: {raw!r}"
                target = (keyword,)
                setattr(current, keyword, value)
    return entries


@pytest.fixture(scope="module")
def po_entries():
    return read_po(PO_PATH)


@pytest.fixture(scope="module")
def messages(po_entries):
    """Every live message of the .po (no header, no obsolete entries)."""
    return [entry for entry in po_entries if entry.msgid and not entry.obsolete]


def entry_label(entry):
    return f"{entry.msgctxt + ' | ' if entry.msgctxt else ''}{entry.msgid!r}"


# --------------------------------------------------------------------------- (a) well-known strings


def test_ui_ja_comes_first_so_its_catalog_wins():
    assert settings.INSTALLED_APPS[0] == "ui_ja"
    assert settings.LANGUAGE_CODE == "ja"


WELL_KNOWN = [
    # unfold
    (gettext, ("Select action",), "操作を選択"),
    (gettext, ("Type to search",), "検索語を入力"),
    (gettext, ("Choose file to upload",), "アップロードするファイルを選択"),
    (gettext, ("Select value",), "選択してください"),
    (pgettext, ("verb", "impersonate"), "代理ログイン"),
    (ngettext, ("entry", "entries", 3), "件"),
    # simple-history (its templates and unfold.contrib.simple_history's)
    (gettext, ("Change history: %s",), "変更履歴: %s"),
    (gettext, ("Changed by",), "変更者"),
    (gettext, ("Change reason",), "更新目的"),
    (gettext, ("Revert",), "この版に戻す"),
    # guardian
    (gettext, ("Object permissions",), "オブジェクト権限"),
    (gettext, ("Permissions saved.",), "権限を保存しました。"),
    # import-export: a gap of its bundled ja, and one of its own translations in the office's word (issue 22)
    (gettext, ("Select all",), "すべて選択"),
    (gettext, ("Import",), "取込"),
    (gettext, ("Export",), "出力"),
    # Django's, in the office's words (config/ui_messages.py; issue 22, point 22)
    (gettext, ("Select %s to change",), "%s一覧"),
    (gettext, ("Authentication and Authorization",), "利用者と権限"),
    # ui_ja overrides django.contrib.auth's "パーミッション"
    (gettext, ("Permissions",), "権限"),
]


@pytest.mark.parametrize(
    "function, args, expected", WELL_KNOWN, ids=[" | ".join(map(str, args)) for _, args, _ in WELL_KNOWN]
)
def test_well_known_strings_are_japanese(function, args, expected):
    with translation.override("ja"):
        assert function(*args) == expected


def test_axes_lockout_messages_are_japanese():
    from axes.conf import settings as axes_settings

    with translation.override("ja"):
        # AXES_COOLOFF_TIME is None here, so users see the permanent-lock message.
        assert str(axes_settings.AXES_PERMALOCK_MESSAGE) == (
            "アカウントがロックされました。ログインの失敗回数が上限に達しています。"
            "ロックの解除は管理者に依頼してください。"
        )
        assert str(axes_settings.AXES_COOLOFF_MESSAGE) == (
            "アカウントがロックされました。ログインの失敗回数が上限に達しています。"
            "しばらくしてから再度お試しください。"
        )


def test_history_types_are_japanese():
    historical = next(m for m in apps.get_models() if m.__name__.startswith("Historical"))
    choices = historical._meta.get_field("history_type").flatchoices
    with translation.override("ja"):
        assert {key: str(label) for key, label in choices} == {"+": "登録", "~": "変更", "-": "削除"}


# --------------------------------------------------------------------------- (b) the catalog


def test_header(po_entries):
    header = po_entries[0]
    assert header.msgid == ""
    assert "fuzzy" not in header.flags
    fields = dict(line.split(": ", 1) for line in header.msgstr[0].splitlines() if ": " in line)
    assert fields["Language"] == "ja"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"] == "nplurals=1; plural=0;"


def test_covers_every_package(messages):
    counts = Counter(pkg for entry in messages for pkg in entry.packages)
    for pkg in PACKAGES + ["import_export"]:
        assert counts[pkg] > 0, pkg
    assert len(messages) > 200


def test_no_msgid_left_untranslated_or_fuzzy(messages):
    fuzzy = [entry_label(e) for e in messages if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    empty = [entry_label(e) for e in messages if not e.msgstr or not all(e.msgstr.values())]
    assert not empty, f"untranslated entries (run ui_ja/update_translations.sh, then translate): {empty}"
    # nplurals=1: plural entries carry exactly msgstr[0].
    for e in messages:
        assert sorted(e.msgstr) == [0], entry_label(e)


PRINTF = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]")
BRACES = re.compile(r"\{[^{}]*\}")
TAGS = re.compile(r"<[^<>]+>")


def named_printf(text):
    return sorted(p for p in PRINTF.findall(text) if p.startswith("%("))


def positional_printf(text):
    return [p for p in PRINTF.findall(text) if not p.startswith("%(")]


def test_placeholders_and_markup_are_kept(messages):
    problems = []
    for e in messages:
        for index, text in e.msgstr.items():
            source = e.msgid_plural if (index and e.msgid_plural) else e.msgid
            if "python-format" in e.flags or PRINTF.search(source):
                if named_printf(text) != named_printf(source) or positional_printf(text) != positional_printf(source):
                    problems.append((entry_label(e), "printf placeholders"))
            if sorted(BRACES.findall(text)) != sorted(BRACES.findall(source)):
                problems.append((entry_label(e), "{} placeholders"))
            if sorted(TAGS.findall(text)) != sorted(TAGS.findall(source)):
                problems.append((entry_label(e), "HTML tags"))
            if text.startswith("\n") != source.startswith("\n") or text.endswith("\n") != source.endswith("\n"):
                problems.append((entry_label(e), "leading/trailing newline"))
    assert not problems, problems


def load_mo(path):
    with open(path, "rb") as fh:
        catalog = dict(gettext_module.GNUTranslations(fh)._catalog)
    catalog.pop("", None)  # header
    return catalog


def test_mo_holds_exactly_the_po_translations(messages):
    """The committed .mo is not stale: same keys, same Japanese as the .po."""
    assert MO_PATH.exists(), "compile it: msgfmt --check -o django.mo django.po"
    expected = {e.catalog_key: e.msgstr[0] for e in messages}
    assert load_mo(MO_PATH) == expected


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_mo_is_what_msgfmt_builds_from_the_po(tmp_path):
    rebuilt = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(rebuilt), str(PO_PATH)], check=True)
    assert load_mo(rebuilt) == load_mo(MO_PATH)


# --------------------------------------------------------------------------- sources vs. catalog

SKIP_DIRS = {"locale", "static", "tests", "testapp", "__pycache__"}
LITERAL = r"""(?P<q>['"])(?P<s>(?:(?!(?P=q))[^\\\n])*)(?P=q)"""
CONTEXT = r"""(?P<cq>['"])(?P<c>[^'"\\\n]*)(?P=cq)"""
PY_GETTEXT = re.compile(r"\b(?:_|gettext|gettext_lazy|gettext_noop)\(\s*" + LITERAL + r"\s*\)")
PY_PGETTEXT = re.compile(r"\bpgettext(?:_lazy)?\(\s*" + CONTEXT + r"\s*,\s*" + LITERAL + r"\s*\)")
TPL_TRANS = re.compile(
    r"\{%\s*(?:trans|translate)\s+" + LITERAL + r"(?:\s+context\s+" + CONTEXT + r")?"
    r"(?:\s+noop)?(?:\s+as\s+\w+)?\s*%\}"
)
TPL_UNDERSCORE = re.compile(r"\b_\(\s*" + LITERAL + r"\s*\)")


def literal_msgids(package):
    """(msgctxt, msgid) of the simple one-literal gettext calls and {% trans %} tags of a package.

    An independent cross-check of makemessages; it also sees calls inside f-strings, which
    xgettext cannot (update_translations.sh lists those in FSTRING_MSGIDS).
    """
    root = Path(importlib.util.find_spec(package).submodule_search_locations[0])
    found = set()
    for path in root.rglob("*"):
        if path.suffix not in (".py", ".html", ".txt") or SKIP_DIRS & set(path.relative_to(root).parts):
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            found |= {(None, m["s"]) for m in PY_GETTEXT.finditer(text)}
            found |= {(m["c"], m["s"]) for m in PY_PGETTEXT.finditer(text)}
        else:
            found |= {(m["c"], m["s"]) for m in TPL_TRANS.finditer(text)}
            found |= {(None, m["s"]) for m in TPL_UNDERSCORE.finditer(text)}
    return {item for item in found if item[1]}


@pytest.mark.parametrize("package", PACKAGES + ["import_export"])
def test_every_msgid_of_the_installed_packages_is_in_the_po(package, messages):
    # Kokyaku's own catalog decides the msgids it rewords (config/ui_messages.py); ui_ja holds the rest.
    in_po = {(e.msgctxt, e.msgid) for e in messages} | {(e.msgctxt, e.msgid) for e in own_catalog("django")}
    own = set()
    if package == "import_export":
        own_mo = Path(importlib.util.find_spec(package).submodule_search_locations[0]) / "locale/ja/LC_MESSAGES/django.mo"
        own = {key for key, text in load_mo(own_mo).items() if isinstance(key, str) and text}
    found = literal_msgids(package)
    assert found, f"no msgids found in {package}: is the scan still right?"
    missing = sorted(
        msgid for ctxt, msgid in found
        if (ctxt, msgid) not in in_po and (ctxt is not None or msgid not in own)
    )
    assert not missing, f"{package} msgids missing from {PO_PATH.name}; run ui_ja/update_translations.sh: {missing}"


# --------------------------------------------------------------------------- Kokyaku's own catalog
# locale/ja/LC_MESSAGES/django.po is the source of Kokyaku's Japanese, edited directly (Poedit,
# Weblate or an editor); `make messages` adds new msgids as empty entries. djangojs.po holds the
# Japanese for Django admin's JavaScript strings that its own catalog words badly or lacks.

OWN_LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES"
OWN_CATALOGS = ["django", "djangojs"]
OWN_APPS = sorted(
    app.name for app in apps.get_app_configs() if Path(app.path).parent == Path(settings.BASE_DIR)
    and app.name != "ui_ja"
) + ["templates"]


def own_catalog(domain):
    import polib

    return polib.pofile(str(OWN_LC_MESSAGES / f"{domain}.po"))


@pytest.mark.parametrize("domain", OWN_CATALOGS)
def test_own_catalog_has_no_empty_or_fuzzy_entry(domain):
    catalog = own_catalog(domain)
    assert len(catalog) > (500 if domain == "django" else 3)
    assert catalog.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert not [e.msgid for e in catalog.fuzzy_entries()], "fuzzy entries: check their Japanese, drop the flag"
    assert not [e.msgid for e in catalog.untranslated_entries()], "empty entries: translate them in the .po"
    assert not [e.msgid for e in catalog.obsolete_entries()]


@pytest.mark.parametrize("domain", OWN_CATALOGS)
def test_own_catalog_keeps_placeholders_and_markup(domain):
    problems = []
    for e in own_catalog(domain):
        texts = {0: e.msgstr} if not e.msgid_plural else {int(k): v for k, v in e.msgstr_plural.items()}
        for index, text in texts.items():
            source = e.msgid_plural if (index and e.msgid_plural) else e.msgid
            # a named placeholder may appear twice in the Japanese (「%(era)sは…%(era)sが…」)
            if set(named_printf(text)) != set(named_printf(source)) or \
                    positional_printf(text) != positional_printf(source):
                problems.append((e.msgid, "printf placeholders"))
            if sorted(BRACES.findall(text)) != sorted(BRACES.findall(source)):
                problems.append((e.msgid, "{} placeholders"))
            if sorted(TAGS.findall(text)) != sorted(TAGS.findall(source)):
                problems.append((e.msgid, "HTML tags"))
    assert not problems, problems


@pytest.mark.parametrize("domain", OWN_CATALOGS)
def test_own_mo_is_the_po_compiled(domain):
    """The committed .mo is not stale: `make messages` (or msgfmt) was run after the last edit."""
    expected = {}
    for e in own_catalog(domain):
        key = e.msgid if not e.msgctxt else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural:
            expected[(key, 0)] = e.msgstr_plural[0]
        else:
            expected[key] = e.msgstr
    assert load_mo(OWN_LC_MESSAGES / f"{domain}.mo") == expected


def test_one_catalog_decides_each_string(messages):
    """A msgid is translated in Kokyaku's catalog or in ui_ja's, never both: LOCALE_PATHS comes first, so a
    second translation would be dead text nobody sees (ui_ja/update_translations.sh drops them)."""
    ours = {(e.msgctxt, e.msgid) for e in own_catalog("django")}
    both = sorted(entry_label(e) for e in messages if (e.msgctxt, e.msgid) in ours)
    assert not both, f"translated in both catalogs (keep the one in locale/): {both}"


def test_own_apps_are_every_app_of_the_project():
    assert {"crm", "orders", "workflow", "api", "ops", "templates"} <= set(OWN_APPS)


def own_literal_msgids():
    found = set()
    for app in OWN_APPS:
        root = Path(settings.BASE_DIR) / app
        for path in root.rglob("*"):
            if path.suffix not in (".py", ".html", ".txt") or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".py":
                found |= {(None, m["s"]) for m in PY_GETTEXT.finditer(text)}
                found |= {(m["c"], m["s"]) for m in PY_PGETTEXT.finditer(text)}
            else:
                found |= {(m["c"], m["s"]) for m in TPL_TRANS.finditer(text)}
                found |= {(None, m["s"]) for m in TPL_UNDERSCORE.finditer(text)}
    return {item for item in found if item[1]}


def test_every_msgid_of_kokyaku_is_translated():
    """A string marked for translation in Kokyaku's code or templates has Japanese (from the project's own
    catalog, or from Django's or a package's for the msgids they share)."""
    in_po = {(e.msgctxt or None, e.msgid) for e in own_catalog("django")}
    missing = []
    with translation.override("ja"):
        for ctxt, msgid in sorted(own_literal_msgids(), key=lambda item: (item[0] or "", item[1])):
            if (ctxt, msgid) in in_po:
                continue
            japanese = pgettext(ctxt, msgid) if ctxt else gettext(msgid)
            if japanese == msgid and re.search(r"[A-Za-z]{2}", msgid):
                missing.append(msgid)
    assert not missing, f"run `make messages` and translate in locale/ja/LC_MESSAGES/django.po: {missing}"
