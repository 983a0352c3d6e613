"""Fill locale/ja/LC_MESSAGES/django.po from locale/ja/translations.py; fail on anything left untranslated.

Also writes locale/ja/LC_MESSAGES/djangojs.po from translations.py's JA_JS: Japanese for Django
admin's JavaScript strings that its own catalog words badly or lacks (the selection counter).

Run by `make messages` after makemessages. Stdlib only: the .po written by makemessages is regular.
"""

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/ja/LC_MESSAGES/django.po"
JS_PO = ROOT / "locale/ja/LC_MESSAGES/djangojs.po"
_SOURCE = (ROOT / "locale/ja/translations.py").read_text()
JA = ast.literal_eval(re.search(r"^JA = (\{.*?^\})", _SOURCE, re.S | re.M).group(1))
JA_JS = ast.literal_eval(re.search(r"^JA_JS = (\{.*?^\})", _SOURCE, re.S | re.M).group(1))
JS_HEADER = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: ja\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"
"""


def js_catalog() -> str:
    """djangojs.po: every JA_JS entry, plural ones with msgid_plural and msgstr[0]."""
    blocks = [JS_HEADER]
    for msgid, (plural, text) in JA_JS.items():
        if plural is None:
            blocks.append(f"msgid {_quote(msgid)}\nmsgstr {_quote(text)}\n")
        else:
            blocks.append(f"msgid {_quote(msgid)}\nmsgid_plural {_quote(plural)}\nmsgstr[0] {_quote(text)}\n")
    return "\n".join(blocks)


def _unquote(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line.strip()) for line in lines)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _without_fuzzy(line: str) -> str:
    if not line.startswith("#,"):
        return line
    flags = [f.strip() for f in line[2:].split(",") if f.strip() and f.strip() != "fuzzy"]
    return "#, " + ", ".join(flags) if flags else "#,"


def fill(text: str) -> tuple[str, list[str]]:
    missing = []
    blocks = text.split("\n\n")
    out = []
    for block in blocks:
        lines = block.split("\n")
        try:
            start = next(i for i, line in enumerate(lines) if line.startswith("msgid "))
        except StopIteration:
            out.append(block)
            continue
        end = next(i for i, line in enumerate(lines) if line.startswith(("msgid_plural", "msgstr")))
        msgid = _unquote([lines[start][6:]] + lines[start + 1 : end])
        if not msgid:
            # the header: a fuzzy header is left out of the .mo, and Plural-Forms with it
            out.append("\n".join(line for line in map(_without_fuzzy, lines) if line != "#,"))
            continue
        lines = [_without_fuzzy(line) for line in lines]
        lines = [line for line in lines if line != "#,"]
        end = next(i for i, line in enumerate(lines) if line.startswith("msgstr"))
        if msgid not in JA:
            missing.append(msgid)
            out.append("\n".join(lines))
            continue
        # Japanese has one plural form: msgstr[0] carries it.
        key = "msgstr[0] " if lines[end].startswith("msgstr[") else "msgstr "
        out.append("\n".join(lines[:end] + [key + _quote(JA[msgid])]))
    return "\n\n".join(out), missing


if __name__ == "__main__":
    filled, missing = fill(PO.read_text())
    filled = filled.replace('"Content-Type: text/plain; charset=CHARSET\\n"', '"Content-Type: text/plain; charset=UTF-8\\n"')
    filled = re.sub(r'"Plural-Forms: [^"]*"', '"Plural-Forms: nplurals=1; plural=0;\\\\n"', filled)
    PO.write_text(filled)
    JS_PO.write_text(js_catalog())
    if missing:
        print("Untranslated msgids (add them to locale/ja/translations.py):", *missing, sep="\n  ")
        sys.exit(1)
    print(f"{PO.relative_to(ROOT)}: every msgid translated")
