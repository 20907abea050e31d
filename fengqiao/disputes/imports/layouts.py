"""The layouts of case files other systems export, as data: each column's key (what the
importer reads), header, other headers it goes by, help for the template and an example.

``MEDIATION_18`` is the 18-column case export of a people's-mediation information system
(domain-notes §5.2). A second layout (another system's export) is one more ``Layout`` with
the same keys; the importer and the template take any of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop as N_

from fengqiao.registry.imports import Column


@dataclass(frozen=True)
class Layout:
    """One system's case file: ``source_system`` is stored on each case it makes, so the
    same 案件编码 from two systems are two cases."""

    code: str
    label: str
    source_system: str
    columns: tuple[Column, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(column.key for column in self.columns)


# The keys the importer reads; every layout names its columns with these.
KEYS = (
    "code",
    "agreement_type",
    "source",
    "organisation",
    "studio",
    "receiver",
    "received_at",
    "summary",
    "difficulty",
    "category",
    "nature",
    "special_groups",
    "place",
    "death",
    "result",
    "mediated_at",
    "parties",
    "amount",
)
# Kept on the case as the other system wrote them (``Case.source_fields``): what has no
# field of ours, and what an export writes back unchanged.
KEPT = (
    "agreement_type",
    "source",
    "organisation",
    "studio",
    "receiver",
    "difficulty",
    "category",
    "nature",
    "special_groups",
    "place",
    "death",
    "result",
)

MEDIATION_18 = Layout(
    code="mediation18",
    label=N_("人民调解信息系统案件（18 列）"),
    source_system="rmtj",
    columns=(
        Column(
            "code",
            "案件编码",
            N_("必填，原系统的案件编码；再次导入同一编码会更新该案件而不是新增"),
            "TJ3306992024000123",
            required=True,
            max_length=64,
            text=True,
            aliases=("案件编号", "编码"),
        ),
        Column(
            "agreement_type",
            "协议类型",
            N_("口头协议或书面协议，可留空"),
            "书面协议",
            max_length=20,
        ),
        Column(
            "source",
            "案件来源",
            N_("主动调解、申请调解、委托移送等；对照为本系统的来源渠道"),
            "申请调解",
            max_length=40,
            aliases=("来源",),
        ),
        Column(
            "organisation",
            "调解组织",
            N_("人民调解委员会名称；可对照为本系统的调解团队"),
            "甲镇人民调解委员会",
            max_length=100,
        ),
        Column("studio", "工作室", N_("调解工作室名称，可留空"), "", max_length=100),
        Column("receiver", "受理人", N_("受理的调解员姓名"), "李调解", max_length=50),
        Column(
            "received_at",
            "受理时间",
            N_("必填，如 2024-03-01 或 2024-03-01 09:30，不能晚于今天"),
            "2024-03-01",
            required=True,
            aliases=("受理日期",),
        ),
        Column(
            "summary",
            "纠纷简要情况",
            N_("必填，不超过 2000 个字"),
            "邻居装修噪音扰民，双方多次争吵",
            required=True,
            max_length=2000,
            aliases=("简要案情", "纠纷简要案情"),
        ),
        Column(
            "difficulty",
            "案件难度级别",
            N_("简单、一般、疑难或重大；对照为本系统的风险等级和化解层级"),
            "一般",
            max_length=20,
            aliases=("难度级别", "难度"),
        ),
        Column(
            "category",
            "纠纷类别",
            N_("必填，人民调解统计的 14 类纠纷或其他，如“邻里纠纷”"),
            "邻里纠纷",
            required=True,
            max_length=40,
            aliases=("纠纷类型",),
        ),
        Column("nature", "案件属性", N_("原系统的案件属性，原样保留"), "", max_length=40),
        Column(
            "special_groups",
            "涉及特殊群体情况",
            N_("原样保留，如“老年人”“未成年人”"),
            "",
            max_length=100,
        ),
        Column(
            "place",
            "行政区划",
            N_("必填，乡镇（街道）和村（社区），如“甲镇甲村”；用于确定网格"),
            "甲镇甲村",
            required=True,
            max_length=100,
            aliases=("行政区划(乡镇街道)", "行政区划（乡镇街道）", "所属区域"),
        ),
        Column("death", "有无死亡", N_("有或无，留空为无"), "无", max_length=4),
        Column(
            "result",
            "调解结果",
            N_("调解成功、调解不成功、部分达成、转诉讼等；留空为调解中"),
            "调解成功",
            max_length=40,
        ),
        Column(
            "mediated_at",
            "调解时间",
            N_("有调解结果时填写，不能早于受理时间"),
            "2024-03-05",
            aliases=("调解日期", "结案时间"),
        ),
        Column(
            "parties",
            "当事人",
            N_(
                "多人用“，”“、”或“；”分隔；每人写“姓名(身份证号)”或“姓名 身份证号 电话”，"
                "第一人为申请人，其余为被申请人"
            ),
            "王小明(330699198001010030)；李大华",
            max_length=2000,
            aliases=("当事人信息",),
        ),
        Column(
            "amount",
            "调解协议金",
            N_("协议涉及金额（元），如 12000 或 1.2万，可留空"),
            "5000",
            aliases=("调解协议金(元)", "调解协议金（元）", "协议金额", "涉及金额"),
        ),
    ),
)

LAYOUTS: dict[str, Layout] = {MEDIATION_18.code: MEDIATION_18}
