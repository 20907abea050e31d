"""How good is triage? Run by hand: ``python bench/triage_eval.py [--errors N]``.

Trains on the corpus's training part only and scores the held-out development set
(``corpus.Example.dev``): category accuracy and macro-F1 with the confusion matrix, red
recall and precision, dispatch recall and precision, level accuracy. Beside it, in the same
run, a plain keyword baseline: the category whose name or typical words appear most often,
red when any of a dozen alarm words appears, dispatch when red and "now" is said, level 2
for red and 1 otherwise. Targets: red recall >= 0.95 with precision >= 0.75, category
macro-F1 >= 0.85, dispatch recall >= 0.9.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score  # noqa: E402

from fengqiao import triage  # noqa: E402
from fengqiao.triage import corpus, model, signals  # noqa: E402
from fengqiao.triage.taxonomy import CATEGORIES  # noqa: E402

KEYWORDS = {
    "marriage_family": "老公 老婆 丈夫 妻子 离婚 彩礼 赡养 婆婆 husband wife divorce",
    "neighbourhood": "邻居 楼上 楼下 噪音 漏水 neighbour neighbor noise upstairs",
    "housing_homestead": "宅基地 院墙 房子 盖房 homestead house",
    "contract": "借钱 欠钱 押金 房租 合同 loan debt deposit rent",
    "production_business": "生意 合伙 摊位 鱼塘 承包 business partner stall",
    "damage_compensation": "赔偿 咬伤 损坏 compensation damage bite",
    "forest_land": "土地 山林 林地 耕地 地界 land forest field",
    "land_acquisition_demolition": "拆迁 征地 补偿款 安置 demolition relocation",
    "environmental_pollution": "污染 臭味 排放 粉尘 废水 pollution smell factory",
    "labour": "工资 欠薪 包工头 老板 工人 wages salary boss",
    "consumer": "商家 退款 买的 超市 网购 refund shop store",
    "medical": "医院 医生 手术 治疗 hospital doctor surgery",
    "traffic_accident": "撞 车祸 电动车 交通事故 crash car accident",
    "property_management": "物业 物业费 电梯 业委会 property management lift",
    "other": "",
    "campus": "学校 老师 同学 霸凌 school teacher bully",
    "missing_person": "走失 找不到 失踪 missing lost",
    "mental_health_incident": "精神病 发病 精神 mental psychiatric",
    "telecom_fraud": "诈骗 骗子 转账 验证码 scam fraud transfer",
    "public_safety_hazard": "隐患 高空抛物 充电 消防 hazard fire charging",
}
ALARM = ["杀", "刀", "砍", "血", "跳楼", "自杀", "聚集", "横幅", "打伤"]
ALARM += ["kill", "knife", "blood", "suicide", "crowd"]
NOW = ["正在", "现在", "马上", "快", "now"]


def keyword_baseline(text: str) -> dict:
    lowered = text.lower()
    counts = {c: sum(lowered.count(w) for w in words.split()) for c, words in KEYWORDS.items()}
    category = max(counts, key=counts.get) if max(counts.values()) else "other"
    red = any(w in lowered for w in ALARM)
    return {
        "category": category,
        "risk": "red" if red else "yellow",
        "dispatch": red and any(w in lowered for w in NOW),
        "level": 2 if red else 1,
    }


def recall_precision(actual: list[bool], said: list[bool]) -> tuple[float, float]:
    hits = sum(a and s for a, s in zip(actual, said, strict=True))
    return hits / max(sum(actual), 1), hits / max(sum(said), 1)


def scores(truth: list[corpus.Example], predicted: list[dict]) -> dict:
    red_r, red_p = recall_precision(
        [t.risk == "red" for t in truth], [p["risk"] == "red" for p in predicted]
    )
    dis_r, dis_p = recall_precision([t.dispatch for t in truth], [p["dispatch"] for p in predicted])
    cats_true = [t.category for t in truth]
    cats_pred = [p["category"] for p in predicted]
    return {
        "category accuracy": accuracy_score(cats_true, cats_pred),
        "category macro-F1": f1_score(cats_true, cats_pred, average="macro", labels=CATEGORIES),
        "risk accuracy": accuracy_score([t.risk for t in truth], [p["risk"] for p in predicted]),
        "red recall": red_r,
        "red precision": red_p,
        "dispatch recall": dis_r,
        "dispatch precision": dis_p,
        "level accuracy": accuracy_score([t.level for t in truth], [p["level"] for p in predicted]),
    }


def signal_scores(truth: list[corpus.Example], predicted: list[dict]) -> dict:
    """Per signal: how many examples carry it, and the lexicon's recall and precision."""
    table = {}
    for name in signals.NAMES:
        actual = [name in t.signals for t in truth]
        said = [name in p["signals"] for p in predicted]
        recall, precision = recall_precision(actual, said)
        table[name] = (sum(actual), recall, precision)
    return table


BLIND = corpus.CORPUS_DIR.parent / "blind"

TARGETS = {
    "red recall": 0.95,
    "red precision": 0.75,
    "category macro-F1": 0.85,
    "dispatch recall": 0.9,
}


def print_scores(title: str, truth: list[corpus.Example], predicted: list[dict]) -> None:
    mine = scores(truth, predicted)
    theirs = scores(truth, [keyword_baseline(e.text) for e in truth])
    print(f"\n{title}\n{'measure':<20} {'triage':>8} {'keywords':>9} {'target':>8}")
    for name, value in mine.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else (" met" if value >= target else " MISSED")
        shown = f">={target}" if target else ""
        print(f"{name:<20} {value:>8.3f} {theirs[name]:>9.3f} {shown:>8}{verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", type=int, default=0, help="print N misgraded dev examples")
    parser.add_argument("--matrix", action="store_true", help="print the confusion matrix")
    args = parser.parse_args()

    examples = corpus.load()
    training, dev = corpus.split(examples)
    print(
        f"corpus: {len(examples)} examples, training {len(training)}, development {len(dev)}; "
        f"dev by risk {dict(Counter(e.risk for e in dev))}, "
        f"by lang {dict(Counter(e.lang for e in dev))}"
    )
    started = time.perf_counter()
    model._loaded = model.train(training)
    print(f"trained in {time.perf_counter() - started:.1f} s")

    ours = [triage.classify(e.text).as_contract(e.id) for e in dev]
    print_scores("development set", dev, ours)
    if BLIND.exists():
        blind = corpus.load(BLIND)
        print_scores(
            f"blind set ({len(blind)} texts in other styles, never trained or tuned on)",
            blind,
            [triage.classify(e.text).as_contract(e.id) for e in blind],
        )

    print("\nsignals (lexicon) against the labels, development set:")
    print(f"  {'signal':<24} {'labelled':>8} {'recall':>7} {'precision':>9}")
    for name, (labelled, recall, precision) in signal_scores(dev, ours).items():
        print(f"  {name:<24} {labelled:>8} {recall:>7.2f} {precision:>9.2f}")

    if args.matrix:
        labels = [c for c in CATEGORIES if any(e.category == c for e in dev)]
        matrix = confusion_matrix(
            [e.category for e in dev], [p["category"] for p in ours], labels=labels
        )
        print("\nconfusion (rows: truth, columns: predicted, in the order of the rows)")
        for label, row in zip(labels, matrix, strict=True):
            print(f"{label[:24]:<24} " + " ".join(f"{n:>3}" for n in row))
    if args.errors:
        print("\nmisgraded:")
        shown = 0
        for example, got in zip(dev, ours, strict=True):
            wrong = [
                f"{field} {getattr(example, field)}->{got[field]}"
                for field in ("category", "risk", "dispatch")
                if getattr(example, field) != got[field]
            ]
            if wrong and shown < args.errors:
                shown += 1
                print(
                    f"  {example.id}: {'; '.join(wrong)} | {example.text[:90]} | {got['signals']}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
