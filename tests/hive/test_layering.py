"""The shape of the code, checked on every run (CONVENTIONS.md, "An app's public
surface"): the import-linter contracts in pyproject.toml, and what import-linter cannot
see, private names imported across apps."""

import ast
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
APPS = ["hive", "notifications", "members", "matching", "messaging", "groups", "events", "coffee"]


def test_import_contracts_are_kept(capsys):
    """Layers (hive <- notifications <- members <- feature apps), public surfaces only,
    and no import cycles inside an app. On failure the output names each import."""
    exit_code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    assert exit_code == 0, capsys.readouterr().out


def _private_imports_across_apps(source: str, own_app: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            other_app = node.module.split(".")[0]
            if other_app in APPS and other_app != own_app:
                found += [
                    f"from {node.module} import {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_")
                ]
    return found


def test_the_private_name_check_sees_a_private_name():
    assert _private_imports_across_apps("from members.models import _secret, fine\n", "hive") == [
        "from members.models import _secret"
    ]
    assert _private_imports_across_apps("from members.models import _own\n", "members") == []


def test_no_app_imports_another_apps_private_names():
    offenders = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line in _private_imports_across_apps(path.read_text(), app):
                offenders.append(f"{path.relative_to(ROOT)}: {line}")
    assert offenders == []


def test_the_packages_list_installs_every_app():
    """pyproject's package discovery covers every app, so an installed (non-editable)
    Hive has them all."""
    text = (ROOT / "pyproject.toml").read_text()
    include = text.split("[tool.setuptools.packages.find]", 1)[1].split("\n\n", 1)[0]
    for app in APPS:
        assert f'"{app}*"' in include, app
