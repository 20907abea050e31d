"""Dependencies point down (DESIGN.md §2): the import contracts in pyproject.toml hold, and
no model points at a model of a higher layer (a foreign key named by string, such as
``"intake.Report"``, is no import, so import-linter cannot see it)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"

# Relations that point up a layer, each to be removed (field -> why it is still here).
KNOWN_UPWARD_RELATIONS: dict[str, str] = {}


def test_imports_keep_the_contracts_in_pyproject():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), str(PYPROJECT), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _app_layers() -> dict[str, int]:
    """Each app label in the layers contract, with its layer's height (0 is the bottom)."""
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    [contract] = [c for c in config["contracts"] if c["type"] == "layers"]
    heights = {}
    for height, layer in enumerate(reversed(contract["layers"])):
        for module in layer.replace("|", " ").replace(":", " ").split():
            heights[module.strip("()").rsplit(".", 1)[-1]] = height
    return heights


def test_no_model_points_at_a_model_of_a_higher_layer():
    heights = _app_layers()
    upward = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model):
                continue
            source, target = model._meta.app_label, field.related_model._meta.app_label
            if source in heights and target in heights and heights[target] > heights[source]:
                upward[f"{model._meta.label}.{field.name}"] = field.related_model._meta.label
    unknown = {name: to for name, to in upward.items() if name not in KNOWN_UPWARD_RELATIONS}
    assert not unknown, f"relations pointing up a layer: {unknown}"
    for name in KNOWN_UPWARD_RELATIONS.keys() - upward.keys():
        warnings.warn(
            f"{name} no longer points up: delete it from KNOWN_UPWARD_RELATIONS", stacklevel=1
        )
