"""Checking and normalising a report's text before anything reads it."""

from __future__ import annotations

import functools
import unicodedata

MAX_CHARS = 20_000
LANGS = ("zh", "en", "mixed")


class TriageInputError(ValueError):
    """Text that cannot be graded: empty, too long, binary or wrongly encoded.

    ``code`` is stable for programs (``empty``, ``too_long``, ``binary``, ``encoding``,
    ``not_text``, ``lang``); the message is for people, Chinese first.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def checked(text) -> str:
    """``text`` as a clean string, or TriageInputError saying what is wrong with it."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise TriageInputError(
                "encoding", "文本不是 UTF-8 编码 / text is not UTF-8 encoded"
            ) from None
    if not isinstance(text, str):
        raise TriageInputError("not_text", "内容必须是文本 / text must be a string")
    if len(text) > MAX_CHARS:
        raise TriageInputError(
            "too_long",
            f"文本过长：{len(text)} 字，最多 {MAX_CHARS} 字 / text too long: "
            f"{len(text)} characters, at most {MAX_CHARS}",
        )
    if "\ufffd" in text:
        raise TriageInputError(
            "encoding", "文本含有乱码（编码错误）/ text contains replacement characters"
        )
    controls = sum(1 for ch in text if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn"))
    controls -= sum(text.count(ch) for ch in "\n\r\t")
    if "\x00" in text or controls > max(2, len(text) // 20):
        raise TriageInputError("binary", "内容像是二进制数据，不是文字 / text looks binary")
    if not text.strip():
        raise TriageInputError("empty", "文本为空 / text is empty")
    return text


def normalise(text: str) -> str:
    """Full-width to half-width, Traditional Chinese to Simplified, English lower-cased,
    runs of space collapsed: what the lexicons and the model both read."""
    text = simplified(unicodedata.normalize("NFKC", text)).lower()
    return " ".join(text.split())


@functools.cache
def _converters():
    from opencc_purepy import OpenCC

    return OpenCC("t2s"), OpenCC("s2t")


@functools.cache
def _has_traditional_form(char: str) -> bool:
    return _converters()[1].convert(char) != char


def simplified(text: str) -> str:
    """``text`` with Traditional characters (兒子, 藥, 殺) in their Simplified form, so
    the lexicon and the model, which read Simplified, read them too. OpenCC's phrase
    tables also turn some Simplified characters into others (结束 → 結束, 打坏 → 打坯), so a
    character is changed only where it has no Traditional form of its own, i.e. is not
    already Simplified."""
    if text.isascii():
        return text
    converted = _converters()[0].convert(text)
    if converted == text or len(converted) != len(text):
        return converted
    return "".join(
        old if _has_traditional_form(old) else new for old, new in zip(text, converted, strict=True)
    )


def language_of(text: str) -> str:
    """``zh``, ``en`` or ``mixed``, by the share of Han characters among letters."""
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    if han and latin >= 8:
        return "mixed"
    return "zh" if han else "en"
