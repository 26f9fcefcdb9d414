"""The core never imports Qt, and shipped resources are found through one helper."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from calldesk import paths

CORE = Path(__file__).resolve().parent.parent / "calldesk"
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "ui")


def _imports(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_under_calldesk_imports_qt() -> None:
    offenders = {
        str(path.relative_to(CORE.parent)): sorted(_imports(path) & set(QT_MODULES))
        for path in CORE.rglob("*.py")
    }
    offenders = {path: mods for path, mods in offenders.items() if mods}
    assert offenders == {}, f"the core must not import Qt: {offenders}"


def test_importing_every_core_module_loads_no_qt() -> None:
    code = (
        "import importlib, pkgutil, sys, calldesk\n"
        "for m in pkgutil.walk_packages(calldesk.__path__, 'calldesk.'):\n"
        "    if '.migrations.versions' in m.name or m.name.endswith(('migrations.env', '__main__')):\n"
        "        continue\n"
        "    importlib.import_module(m.name)\n"
        "bad = [n for n in sys.modules if n.split('.')[0] in ('PySide6', 'shiboken6')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_resources_come_from_the_package_and_only_a_checkout_falls_back(
    tmp_path, monkeypatch
) -> None:
    assert paths.resource("dispositions.yaml").is_file()
    # Installed (a wheel, or the bundle, which holds the package): calldesk/resources.
    installed = tmp_path / "site" / "calldesk"
    (installed / "resources").mkdir(parents=True)
    monkeypatch.setattr(paths, "_PACKAGE_DIR", installed)
    assert paths.resources_root() == installed / "resources"
    # A source checkout (pyproject.toml beside the package) uses the top-level folder.
    checkout = tmp_path / "checkout"
    (checkout / "calldesk").mkdir(parents=True)
    (checkout / "resources").mkdir()
    (checkout / "pyproject.toml").write_text("[project]\n")
    monkeypatch.setattr(paths, "_PACKAGE_DIR", checkout / "calldesk")
    assert paths.resources_root() == checkout / "resources"
    # Anywhere else a missing folder is a broken installation, said as such.
    broken = tmp_path / "broken" / "calldesk"
    broken.mkdir(parents=True)
    (broken.parent / "resources").mkdir()  # not a checkout: no pyproject.toml
    monkeypatch.setattr(paths, "_PACKAGE_DIR", broken)
    with pytest.raises(FileNotFoundError, match="missing from this installation"):
        paths.resources_root()
