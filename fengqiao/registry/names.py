"""Names as people search for them: full pinyin and pinyin initials ("zs" finds 张三)."""

from __future__ import annotations

from pypinyin import lazy_pinyin

# Characters read differently as surnames than in ordinary words (单 shàn, 曾 zēng ...).
_SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "区": "ou",
    "盖": "ge",
    "乐": "yue",
    "覃": "qin",
    "缪": "miao",
    "秘": "bi",
    "尉": "yu",
    "员": "yun",
    "种": "chong",
    "繁": "po",
    "长孙": "zhangsun",
}


def syllables(name: str) -> list[str]:
    """The pinyin of each character, lower case; letters and digits pass through."""
    name = "".join(name.split())
    if not name:
        return []
    for surname, reading in _SURNAME_READINGS.items():
        if name.startswith(surname):
            head = [reading] if len(surname) == 1 else _split_compound(surname, reading)
            return head + _plain(name[len(surname) :])
    return _plain(name)


def _split_compound(surname: str, reading: str) -> list[str]:
    parts = _plain(surname)
    return parts if "".join(parts) == reading else [reading]


def _plain(text: str) -> list[str]:
    out: list[str] = []
    for part in lazy_pinyin(text, errors=lambda chars: list(chars)):
        out.append(part.lower())
    return out


def pinyin_of(name: str) -> str:
    """ "zhangsan" for 张三."""
    return "".join(syllables(name))


def initials_of(name: str) -> str:
    """ "zs" for 张三."""
    return "".join(part[0] for part in syllables(name) if part)
