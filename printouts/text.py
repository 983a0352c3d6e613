"""Line breaking for addresses: never inside a number (1-2-3, 12F, ５０１) when it can be helped."""

from __future__ import annotations

import re

# Runs that stay whole: ASCII letters, digits and hyphens, full-width digits and letters, kanji numerals with 丁目/番/号.
_TOKEN = re.compile(r"[0-9A-Za-z\-−－‐ー０-９Ａ-Ｚａ-ｚ#＃]+|.", re.S)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def wrap(text: str, fits) -> list[str]:
    """Greedy lines of `text` for which `fits(line)` holds; a token too long for a line alone is cut."""
    lines: list[str] = []
    line = ""
    for token in tokens(text):
        if fits(line + token):
            line += token
            continue
        if line:
            lines.append(line.rstrip())
            line = ""
        token = token.lstrip()
        while token and not fits(token):
            cut = len(token) - 1
            while cut > 1 and not fits(token[:cut]):
                cut -= 1
            lines.append(token[:cut])
            token = token[cut:]
        line = token
    if line.strip():
        lines.append(line.rstrip())
    return lines
