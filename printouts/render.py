"""The one module that talks to the PDF library (xhtml2pdf) and embeds the Japanese font."""

from __future__ import annotations

import io
from pathlib import Path

from django.template.loader import render_to_string

# TrueType IPAex fonts embed well (ReportLab cannot embed CFF-outline .otf such as Noto CJK).
FONT_CANDIDATES = [
    Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
    Path("/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf"),
    Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"),
]


class FontMissing(RuntimeError):
    pass


def japanese_font() -> Path:
    for path in FONT_CANDIDATES:
        if path.exists():
            return path
    raise FontMissing("No Japanese TrueType font: install Debian's fonts-ipaexfont-gothic.")


def render_pdf(template: str, context: dict) -> bytes:
    from xhtml2pdf import pisa
    from xhtml2pdf.files import ResourceAccessPolicy

    font = japanese_font()
    html = render_to_string(template, {**context, "font_path": str(font)})
    out = io.BytesIO()
    # xhtml2pdf reads local files only under allowed roots: the font's folder is the one we need.
    policy = ResourceAccessPolicy(allow_remote=False, extra_roots=(font.parent,))
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=policy)
    if result.err:
        raise RuntimeError(f"PDF rendering failed ({result.err} errors)")
    return out.getvalue()
