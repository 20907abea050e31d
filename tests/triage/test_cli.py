"""``fengqiao triage``: the JSON Lines contract of DESIGN.md §5, run as the real command."""

from __future__ import annotations

import json
import subprocess
import sys

from fengqiao.triage.taxonomy import CATEGORIES, LEVELS, RISKS

CONTRACT_KEYS = {"id", "category", "risk", "dispatch", "level", "signals"}


def run_cli(stdin: bytes) -> tuple[list[dict], subprocess.CompletedProcess]:
    done = subprocess.run(
        [sys.executable, "-m", "fengqiao.cli", "triage"],
        input=stdin,
        capture_output=True,
        timeout=300,
        check=False,
    )
    lines = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    return lines, done


def test_each_input_line_gets_one_answer_in_the_contracts_shape():
    records = [
        {"id": 1, "text": "邻居在楼道里堆放杂物，说了不听"},
        {"id": "b", "text": "He is beating his wife right now, I can hear screaming", "lang": "en"},
        {"id": 3.5, "text": "工地老板欠了我们二十多个人三个月工资"},
    ]
    stdin = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    answers, done = run_cli(stdin)
    assert done.returncode == 0, done.stderr.decode()
    assert [a["id"] for a in answers] == [1, "b", 3.5]
    for answer in answers:
        assert set(answer) == CONTRACT_KEYS
        assert answer["category"] in CATEGORIES
        assert answer["risk"] in RISKS
        assert answer["level"] in LEVELS
        assert isinstance(answer["dispatch"], bool)
        assert all(isinstance(s, str) for s in answer["signals"])
    assert answers[1]["risk"] == "red"


def test_bad_lines_get_an_error_line_and_the_run_goes_on():
    stdin = b"\n".join(
        [
            b'{"id": 1, "text": "\xe9\x82\xbb\xe5\xb1\x85\xe5\x90\xb5\xe6\x9e\xb6"}',
            b"{not json",
            b'{"id": 2}',
            b'{"id": 3, "text": ""}',
            b'{"id": 4, "text": "ok", "lang": "fr"}',
            b"\xff\xfe broken",
            b"[1, 2]",
            b'{"text": "no id"}',
            b"",
            b'{"id": 5, "text": "\xe5\x8f\x88\xe6\x9d\xa5\xe4\xba\x86"}',
        ]
    )
    answers, done = run_cli(stdin + b"\n")
    assert done.returncode == 0
    assert [a["id"] for a in answers] == [1, None, 2, 3, 4, None, None, None, 5]
    assert "error" not in answers[0] and "error" not in answers[-1]
    for answer in answers[1:-1]:
        assert set(answer) == {"id", "error"} and answer["error"]


def test_a_byte_order_mark_and_language_tags_are_understood():
    stdin = (
        "\ufeff"
        + json.dumps({"id": "a", "text": "邻居家狗天天叫", "lang": "zh-CN"}, ensure_ascii=False)
        + "\r\n"
        + json.dumps({"id": "b", "text": "My neighbour's dog barks all night", "lang": "EN"})
        + "\n"
        + json.dumps({"id": "c", "text": "邻居吵架", "lang": ""}, ensure_ascii=False)
        + "\n"
    ).encode()
    answers, done = run_cli(stdin)
    assert done.returncode == 0
    assert [a["id"] for a in answers] == ["a", "b", "c"]
    assert all("error" not in a for a in answers)
