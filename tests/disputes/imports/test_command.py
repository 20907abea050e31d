"""``fengqiao manage import_cases``: dry run, commit, re-import, mapping file, template."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from fengqiao.disputes.models import Case
from tests.disputes.imports.conftest import case_row, xlsx

pytestmark = pytest.mark.django_db


def _file(tmp_path, rows, name="案件.xlsx"):
    path = tmp_path / name
    path.write_bytes(xlsx(rows).getvalue())
    return path


def test_the_command_checks_then_commits_then_re_imports_as_updates(world, tmp_path, capsys):
    path = _file(tmp_path, [case_row(1), case_row(2)])
    call_command("import_cases", str(path), "--user", "county_admin")
    out = capsys.readouterr().out
    assert "检查通过" in out and "category: 邻里纠纷 ×2 → neighbourhood" in out
    assert not Case.objects.exists()
    call_command("import_cases", str(path), "--user", "county_admin", "--commit")
    assert "已导入" in capsys.readouterr().out and Case.objects.count() == 2
    path = _file(tmp_path, [case_row(1, 纠纷类别="合同纠纷"), case_row(2)])
    call_command("import_cases", str(path), "--user", "county_admin", "--commit")
    out = capsys.readouterr().out
    assert "updated 1" in out and "unchanged 1" in out and Case.objects.count() == 2


def test_the_command_writes_and_reads_a_mapping_file(world, tmp_path, capsys):
    path = _file(tmp_path, [case_row(1, 纠纷类别="宗族纠纷")])
    written = tmp_path / "map.json"
    with pytest.raises(CommandError, match="1 个问题"):
        call_command("import_cases", str(path), "--user", "county_admin", "--write-map", written)
    table = json.loads(written.read_text("utf-8"))
    assert table["category"] == {"宗族纠纷": ""}
    table["category"]["宗族纠纷"] = "other"
    written.write_text(json.dumps(table, ensure_ascii=False), "utf-8")
    call_command(
        "import_cases", str(path), "--user", "county_admin", "--map", str(written), "--commit"
    )
    assert Case.objects.get().category == "other"


def test_the_command_refuses_a_user_without_the_right(world, tmp_path):
    path = _file(tmp_path, [case_row(1)])
    with pytest.raises(CommandError, match="没有导入案件的权限"):
        call_command("import_cases", str(path), "--user", "officer_a", "--commit")
    assert not Case.objects.exists()


def test_the_template_has_the_18_columns_and_a_guide(world, tmp_path):
    out = tmp_path / "模板.xlsx"
    call_command("import_cases", "--template", str(out))
    book = load_workbook(out)
    header = [cell.value for cell in book.worksheets[0][1]]
    assert header[0] == "案件编码" and len(header) == 18 and header[-1] == "调解协议金"
    assert "填写说明" in book.sheetnames


def test_the_template_with_its_example_row_imports_nothing_but_reads(world, tmp_path, capsys):
    out = tmp_path / "模板.xlsx"
    call_command("import_cases", "--template", str(out))
    with pytest.raises(CommandError):
        call_command("import_cases", str(out), "--user", "county_admin")
    assert "没有数据行" in capsys.readouterr().out
