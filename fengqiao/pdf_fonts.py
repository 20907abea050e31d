"""The CJK font every PDF is set in: an installed TrueType face embedded, else ReportLab's
built-in CID font.

A shared helper (it imports no app): the mediation documents (disputes), the figures'
briefs (analytics) and the building posters (outreach) all print with it.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from reportlab.lib import textsplit as rl_textsplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import paragraph as rl_paragraph

logger = logging.getLogger(__name__)

FONT_ENV = "FENGQIAO_PDF_FONT"
"""Path of a TrueType-outline CJK font (.ttf/.ttc) to embed, tried before the built-in list."""

# Only TrueType outlines: ReportLab cannot embed CFF-based OpenType, which is what Debian's
# fonts-noto-cjk ships, so those would fail registration anyway.
FONT_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
    "/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallback.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
CID_FALLBACK = "STSong-Light"
_GLYPH_PROBE = "调解协议书页"  # a font without these is no use, whatever it is called


class FontChoice(NamedTuple):
    """The registered font name and the file embedded; ``path`` is None for the CID fallback."""

    name: str
    path: str | None


_font_lock = threading.Lock()
_font: FontChoice | None = None


def _choose_font(candidates: Sequence[str]) -> FontChoice:
    for path in candidates:
        if not path or not Path(path).is_file():
            continue
        name = "FengqiaoCJK-" + re.sub(r"[^A-Za-z0-9]", "", Path(path).stem)
        try:
            font = TTFont(name, path, subfontIndex=0)
        except (TTFError, OSError, ValueError):
            continue  # CFF outlines, damaged file, unreadable: try the next one
        if not all(ord(ch) in font.face.charToGlyph for ch in _GLYPH_PROBE):
            continue
        pdfmetrics.registerFont(font)
        return FontChoice(name, path)
    # Not embedded: viewers substitute their own Song face (Acrobat, pdf.js and Chrome all do),
    # and text stays extractable because ReportLab writes it as Unicode-mapped CIDs.
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return FontChoice(CID_FALLBACK, None)


# ReportLab's line breakers know the Japanese rule that closing punctuation never starts a
# line, but their list lacks the full-width forms Chinese uses (，；：！？》”), so a line could
# open with "：". Both breakers read the list from their module at wrap time; extending it
# changes nothing for text without these characters.
_CHINESE_CANNOT_START = "，；：！？》〉”’％"


def _extend_line_start_rule() -> None:
    for module in (rl_textsplit, rl_paragraph):
        missing = "".join(c for c in _CHINESE_CANNOT_START if c not in module.ALL_CANNOT_START)
        module.ALL_CANNOT_START += missing


def document_font() -> FontChoice:
    """The CJK font every document uses, registered once per process on first call."""
    global _font
    with _font_lock:
        if _font is None:
            wanted = os.environ.get(FONT_ENV, "")
            _font = _choose_font((wanted, *FONT_CANDIDATES))
            if wanted and _font.path != wanted:
                logger.warning(
                    "%s=%s is not a usable TrueType font with Chinese glyphs; using %s",
                    FONT_ENV,
                    wanted,
                    _font.path or CID_FALLBACK,
                )
            _extend_line_start_rule()
        return _font
