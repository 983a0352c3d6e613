"""The Japanese fonts printouts embed, found without any system package.

IPAexGothic comes from PyPI (the matplotlib-fontja wheel carries ipaexg.ttf; the Makefile installs it
with --no-deps, so matplotlib is not pulled in). A Mincho face is used for postcards where one is
installed (Debian's fonts-ipaexfont-mincho); otherwise they print in Gothic. Both are TrueType:
ReportLab cannot embed CFF-outline OpenType such as Noto CJK's .otf.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

GOTHIC = "IPAexGothic"
MINCHO = "IPAexMincho"

_SYSTEM_GOTHIC = [
    Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
    Path("/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf"),
]
_SYSTEM_MINCHO = [
    Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"),
    Path("/usr/share/fonts/truetype/ipaexfont-mincho/ipaexm.ttf"),
]


class FontMissing(RuntimeError):
    pass


def _packaged_gothic() -> Path | None:
    # find_spec only locates the package: importing it would import matplotlib.
    spec = importlib.util.find_spec("matplotlib_fontja")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "fonts" / "ipaexg.ttf"
        if path.exists():
            return path
    return None


def gothic_path() -> Path:
    path = _packaged_gothic() or next((p for p in _SYSTEM_GOTHIC if p.exists()), None)
    if path is None:
        raise FontMissing("No Japanese font: run `make install` (it installs matplotlib-fontja's IPAexGothic).")
    return path


def mincho_path() -> Path | None:
    return next((p for p in _SYSTEM_MINCHO if p.exists()), None)


@lru_cache(maxsize=1)
def registered() -> dict[str, str]:
    """Registers the faces with ReportLab once; {'gothic': name, 'mincho': name (Gothic if none)}."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(GOTHIC, str(gothic_path())))
    faces = {"gothic": GOTHIC, "mincho": GOTHIC}
    mincho = mincho_path()
    if mincho:
        pdfmetrics.registerFont(TTFont(MINCHO, str(mincho)))
        faces["mincho"] = MINCHO
    return faces


@lru_cache(maxsize=4)
def _covered(face: str) -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics

    registered()
    return frozenset(pdfmetrics.getFont(face).face.charToGlyph)


def missing_characters(text: str, face: str = GOTHIC) -> list[str]:
    """The characters of `text` the face has no glyph for (𠮷, emoji …), each once, in order."""
    covered = _covered(face)
    seen: dict[str, None] = {}
    for ch in text:
        if ord(ch) not in covered and not ch.isspace() and ch not in seen:
            seen[ch] = None
    return list(seen)
