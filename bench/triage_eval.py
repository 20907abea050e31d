"""How good is triage? Run by hand: ``python bench/triage_eval.py [--errors N] [--set real]``.

Trains on the corpus's training part only (``corpus.training_set``) and scores, in this
order: the REAL development set (``data/real/``: reports written by other people, never
trained or tuned on), the corpus's held-out development set (``corpus.Example.dev``) and the
blind set (``data/blind/``). Each with category accuracy and macro-F1, red recall and
precision, dispatch recall and precision, level accuracy, the targets with a mark each, and
beside it a plain keyword baseline: the category whose name or typical words appear most
often, red when any of a dozen alarm words appears, dispatch when red and "now" is said,
level 2 for red and 1 otherwise. On the real set also per voice and per language, and the
agreement with a mediator's own category (mapped to the 14 people's-mediation categories
and 其他) where the record gives one. Targets (issue 21, on the real set): red recall >= 0.95
with precision >= 0.75, category macro-F1 >= 0.80, dispatch recall >= 0.90, level accuracy
>= 0.75.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score  # noqa: E402

from fengqiao import triage  # noqa: E402
from fengqiao.triage import corpus, mediation, model, signals  # noqa: E402
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
        "category macro-F1": f1_score(
            cats_true, cats_pred, average="macro", labels=CATEGORIES, zero_division=0
        ),
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


BLIND = corpus.BLIND_DIR

TARGETS = {
    "red recall": 0.95,
    "red precision": 0.75,
    "category macro-F1": 0.80,
    "dispatch recall": 0.9,
    "level accuracy": 0.75,
}


def print_scores(title: str, truth: list[corpus.Example], predicted: list[dict]) -> dict:
    mine = scores(truth, predicted)
    theirs = scores(truth, [keyword_baseline(e.text) for e in truth])
    print(f"\n{title}\n{'measure':<20} {'triage':>8} {'keywords':>9} {'target':>8}")
    for name, value in mine.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else (" ✓" if value >= target else " ✗")
        shown = f">={target}" if target else ""
        print(f"{name:<20} {value:>8.3f} {theirs[name]:>9.3f} {shown:>8}{verdict}")
    return mine


RELABELLED = corpus.CORPUS_DIR.parent / "relabelled.json"


def before_relabel(rows: list[corpus.Example]) -> list[corpus.Example]:
    """``rows`` with the risk they had before the failed-mediation rule relabelled some
    (GUIDE.md, Risk; ``data/relabelled.json``), so a reader can see what the relabel moved."""
    old = {r["id"]: r["risk"][0] for r in json.loads(RELABELLED.read_text(encoding="utf-8"))}
    return [dataclasses.replace(e, risk=old.get(e.id, e.risk)) for e in rows]


def print_before_relabel(name: str, truth: list[corpus.Example], predicted: list[dict]) -> None:
    old = before_relabel(truth)
    moved = sum(a.risk != b.risk for a, b in zip(old, truth, strict=True))
    mine, theirs = scores(old, predicted), scores(old, [keyword_baseline(e.text) for e in old])
    print(
        f"  {name}, scored on the labels before the relabel ({moved} moved red -> yellow): "
        f"red recall {mine['red recall']:.3f} (keywords {theirs['red recall']:.3f}), "
        f"precision {mine['red precision']:.3f} ({theirs['red precision']:.3f}), "
        f"risk accuracy {mine['risk accuracy']:.3f} ({theirs['risk accuracy']:.3f})"
    )


def print_breakdown(truth: list[corpus.Example], predicted: list[dict], key: str) -> None:
    """Category accuracy, red recall/precision and dispatch recall per voice or language."""
    print(
        f"\n  by {key}: {'n':>4} {'cat acc':>8} {'red R':>6} {'red P':>6} "
        f"{'disp R':>7} {'level':>6}"
    )
    groups: dict[str, list[int]] = {}
    for i, example in enumerate(truth):
        groups.setdefault(getattr(example, key) or "?", []).append(i)
    for name, rows in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        part = scores([truth[i] for i in rows], [predicted[i] for i in rows])
        print(
            f"  {name[:24]:<24} {len(rows):>4} {part['category accuracy']:>8.2f} "
            f"{part['red recall']:>6.2f} {part['red precision']:>6.2f} "
            f"{part['dispatch recall']:>7.2f} {part['level accuracy']:>6.2f}"
        )


def print_mediation(truth: list[corpus.Example], predicted: list[dict]) -> None:
    """How often triage's category, mapped to the people's-mediation line, agrees with the
    category a mediator gave the record."""
    pairs = [
        (mediation.label_of(e.mediation_category), mediation.mediation_category(p["category"]))
        for e, p in zip(truth, predicted, strict=True)
        if e.mediation_category
    ]
    if not pairs:
        print("\n  mediation category: no record gives one")
        return
    known = [(theirs, ours) for theirs, ours in pairs if theirs]
    agree = sum(theirs == ours for theirs, ours in known)
    print(
        f"\n  mediation category (the mediator's own, {len(pairs)} records, {len(known)} "
        f"readable): triage agrees on {agree} of {len(known)} ({agree / max(len(known), 1):.2f})"
    )
    for theirs, ours in known:
        if theirs != ours:
            print(f"    mediator {theirs} / triage {ours}")


def print_errors(truth: list[corpus.Example], predicted: list[dict], limit: int) -> None:
    shown = 0
    for example, got in zip(truth, predicted, strict=True):
        wrong = [
            f"{field} {getattr(example, field)}->{got[field]}"
            for field in ("category", "risk", "dispatch", "level")
            if getattr(example, field) != got[field]
        ]
        if wrong and shown < limit:
            shown += 1
            print(f"  {example.id}: {'; '.join(wrong)} | {example.text[:90]} | {got['signals']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", type=int, default=0, help="print N misgraded examples")
    parser.add_argument(
        "--set", default="dev", choices=("real", "dev", "blind"), help="whose errors to print"
    )
    parser.add_argument("--matrix", action="store_true", help="print the confusion matrix")
    args = parser.parse_args()

    examples = corpus.load()
    training, dev = corpus.split(examples)
    real = corpus.load_real()
    print(
        f"corpus: {len(examples)} examples, training {len(training)}, development {len(dev)}; "
        f"dev by risk {dict(Counter(e.risk for e in dev))}, "
        f"by lang {dict(Counter(e.lang for e in dev))}; real {len(real)} "
        f"by risk {dict(Counter(e.risk for e in real))}"
    )
    started = time.perf_counter()
    model._loaded = model.train(training)
    print(f"trained and calibrated in {time.perf_counter() - started:.1f} s")
    for name, value in model._loaded.calibration.describe().items():
        print(f"  {name}: {value}")

    def graded(rows: list[corpus.Example]) -> list[dict]:
        answers = []
        for e in rows:
            result = triage.classify(e.text)
            answer = result.as_contract(e.id)
            answer["confident"] = result.confident
            answers.append(answer)
        return answers

    sets = {}
    if real:
        sets["real"] = (real, graded(real))
        print_scores(
            f"REAL development set ({len(real)} reports by other people, never trained or "
            "tuned on)",
            *sets["real"],
        )
        print_breakdown(*sets["real"], "voice")
        print_breakdown(*sets["real"], "lang")
        print_mediation(*sets["real"])
        unsure = sum(not p["confident"] for p in sets["real"][1])
        print(f"  'please choose' (low confidence) on {unsure} of {len(real)}")
        print_before_relabel("real", *sets["real"])
    sets["dev"] = (dev, graded(dev))
    print_scores("development set", *sets["dev"])
    if BLIND.exists():
        blind = corpus.load(BLIND)
        sets["blind"] = (blind, graded(blind))
        print_scores(
            f"blind set ({len(blind)} texts in other styles, never trained or tuned on)",
            *sets["blind"],
        )
        print_before_relabel("blind", *sets["blind"])

    print("\nsignals (lexicon) against the labels, development set:")
    print(f"  {'signal':<24} {'labelled':>8} {'recall':>7} {'precision':>9}")
    for name, (labelled, recall, precision) in signal_scores(*sets["dev"]).items():
        if labelled:
            print(f"  {name:<24} {labelled:>8} {recall:>7.2f} {precision:>9.2f}")

    truth, ours = sets.get(args.set, sets["dev"])
    if args.matrix:
        labels = [c for c in CATEGORIES if any(e.category == c for e in truth)]
        matrix = confusion_matrix(
            [e.category for e in truth], [p["category"] for p in ours], labels=labels
        )
        print("\nconfusion (rows: truth, columns: predicted, in the order of the rows)")
        for label, row in zip(labels, matrix, strict=True):
            print(f"{label[:24]:<24} " + " ".join(f"{n:>3}" for n in row))
    if args.errors:
        print(f"\nmisgraded ({args.set}):")
        print_errors(truth, ours, args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
