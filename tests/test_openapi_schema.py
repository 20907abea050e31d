"""The API's shape has one source: the generated schema, committed as docs/openapi.yaml."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command

COMMITTED = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
REGENERATE = "fengqiao manage spectacular --lang zh-hans --validate --file docs/openapi.yaml"


def test_committed_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--lang", "zh-hans", "--validate", "--file", str(generated))
    assert generated.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8"), (
        f"The API changed: regenerate the schema with `{REGENERATE}` and commit it."
    )
