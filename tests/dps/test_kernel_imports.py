"""The shared kernel in dps/ imports no app (DEVELOPERS.md, "Shape"): what composes several apps
lives in workspace/. Read from the source, lazy imports inside functions included."""
import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = {name for name in settings.INSTALLED_APPS
        if "." not in name and (ROOT / name).is_dir() and name != "dps"}


def _imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _kernel_files():
    return sorted(path for path in (ROOT / "dps").rglob("*.py") if "migrations" not in path.parts)


def test_the_project_apps_are_known():
    # Guards the test itself: an empty set would pass whatever the kernel imports.
    assert {"providers", "calloffs", "contracts", "workspace"} <= APPS


@pytest.mark.parametrize("path", _kernel_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_the_kernel_imports_no_app(path):
    offending = sorted({module for module in _imported_modules(path)
                        if module.split(".")[0] in APPS})
    assert offending == [], f"{path.relative_to(ROOT)} imports {offending}"
