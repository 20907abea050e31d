"""Real-looking Chinese place names for the demo county, drawn without repeats.

The characters are the ones Zhejiang place names are made of (water, hills, bridges,
clan names); the combinations are invented, so no name claims to be a real place.
"""

from __future__ import annotations

import random

# Single characters, written as one string each; tuple() splits them.
_PLACE_HEADS = tuple(
    "安平钱柯兰夏齐福湖杨马华稽陶孙王东西南北上下双长永新富青白金银鉴越娥清明丰宁泰广"
    "兴和仁义梅竹松枫桃荷桑茶柳沙石岩云龙凤鹤鹿凰峰溪汀横古黄赤紫翠蓝望承兆禾麦稻芝蓬"
)
_PLACE_TAILS = (
    *"桥塘浦埠渚堰溪港山岭坞湖江头墅阳城里门口泾汇亭园庄湾洲坂畈岙潭泉店市田林岗源滨峰川溇",
    "桥头",
    "堰头",
    "岭下",
)
_CLANS = tuple(
    "王陈李张刘杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段章钱汤尹黎易常武乔贺赖龚文俞骆楼裘祝茅屠"
)
_CLAN_TAILS = tuple("家家家宅村庄埭")
_CLAN_ENDS = tuple("埭坞湾桥畈弄溇岙店墩塘堰山岭")
_GOOD_HEADS = tuple(
    "兴华康和安福新明瑞锦悦德嘉盛丰泰春秀翠馨鸿文湖江梅兰桂荷阳光蓝金银香博振平长永惠"
    "怡景雅宏昌东西南北中城"
)
_GOOD_TAILS = tuple("园苑城滨湖华安盛兴和康泰越新源光庭桥庄湾景都府里坊港汇南北")
_COMPOUND_KINDS = ("花园", "苑", "家园", "小区", "公寓", "新村", "名邸", "雅苑", "花苑", "华庭")
_ROAD_KINDS = ("路", "路", "路", "街", "大道", "中路", "东路", "西路", "北路", "南路")


class NameBook:
    """Hands out names that are unique within their kind (township, community, road ...)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._used: dict[str, set[str]] = {}

    def _unique(self, kind: str, make) -> str:
        used = self._used.setdefault(kind, set())
        for _ in range(200):
            name = make()
            if name not in used:
                used.add(name)
                return name
        # The word lists are exhausted for this kind: number the name instead.
        name = f"{make()}{len(used) + 1}"
        used.add(name)
        return name

    def _place(self) -> str:
        return self.rng.choice(_PLACE_HEADS) + self.rng.choice(_PLACE_TAILS)

    def township(self) -> str:
        """A township's stem ("安昌"); add 镇 or 街道 yourself."""
        return self._unique("township", lambda: self._place()[:2])

    def village(self) -> str:
        """A village's stem ("王家埭", "青石"); add 村 yourself."""

        def make() -> str:
            if self.rng.random() < 0.45:
                return (
                    self.rng.choice(_CLANS)
                    + self.rng.choice(_CLAN_TAILS)
                    + self.rng.choice(_CLAN_ENDS)
                )[: self.rng.choice((2, 3, 3))]
            return self._place()

        return self._unique("community", make)

    def community(self) -> str:
        """An urban community's stem ("兴越"); add 社区 yourself."""
        return self._unique(
            "community", lambda: self.rng.choice(_GOOD_HEADS) + self.rng.choice(_GOOD_TAILS)
        )

    def road(self, scope: str) -> str:
        """A road name unique within ``scope`` (a township)."""
        return self._unique(
            f"road:{scope}",
            lambda: (
                self.rng.choice(_GOOD_HEADS + _PLACE_HEADS)
                + self.rng.choice(_GOOD_TAILS + _PLACE_TAILS)[:1]
                + self.rng.choice(_ROAD_KINDS)
            ),
        )

    def compound(self, scope: str) -> str:
        """A residential compound name ("锦华苑") unique within ``scope`` (a township)."""
        return self._unique(
            f"compound:{scope}",
            lambda: (
                self.rng.choice(_GOOD_HEADS)
                + self.rng.choice(_GOOD_TAILS)
                + self.rng.choice(_COMPOUND_KINDS)
            ),
        )


_CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals ("十二", "二十"), for names like 第十二网格."""
    if n < 10:
        return _CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _CHINESE_DIGITS[tens]
    return f"{head}十{_CHINESE_DIGITS[ones] if ones else ''}"
