"""Names as people search for them: full pinyin and pinyin initials ("zs" finds 张三)."""

from __future__ import annotations

import functools

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
    "柏": "bai",
    "殷": "yin",
    "翟": "zhai",
    "燕": "yan",
    "华": "hua",
    "谌": "chen",
    "隗": "wei",
}
# Two-character surnames, read together before the given name.
_COMPOUND_SURNAMES = frozenset(
    {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯", "司徒"}
)


@functools.lru_cache(maxsize=65536)
def syllables(name: str) -> tuple[str, ...]:
    """The pinyin of each character, lower case; letters and digits pass through. The
    surname is read on its own, as a surname (单 shan, 柏 bai), not as the start of a word."""
    name = "".join(name.split())
    if not name:
        return ()
    for surname, reading in _SURNAME_READINGS.items():
        if name.startswith(surname):
            head = (reading,) if len(surname) == 1 else _split_compound(surname, reading)
            return (*head, *_plain(name[len(surname) :]))
    size = 2 if name[:2] in _COMPOUND_SURNAMES else 1
    return (*_plain(name[:size]), *_plain(name[size:]))


def _split_compound(surname: str, reading: str) -> tuple[str, ...]:
    parts = _plain(surname)
    return parts if "".join(parts) == reading else (reading,)


# Given names repeat far more than whole names: reading each once saves most of the cost
# of a bulk import or the demo's quarter of a million names.
@functools.lru_cache(maxsize=65536)
def _plain(text: str) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(part.lower() for part in lazy_pinyin(text, errors=lambda chars: list(chars)))


def pinyin_of(name: str) -> str:
    """ "zhangsan" for 张三."""
    return "".join(syllables(name))


def initials_of(name: str) -> str:
    """ "zs" for 张三."""
    return "".join(part[0] for part in syllables(name) if part)
