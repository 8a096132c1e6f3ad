"""Dependencies run one way: web/, wechat/, jobs/ -> pipeline/ -> models/.

Reads every module's imports with `ast` (imports inside functions included) and
fails on one that crosses a layer the wrong way. The layers above the pipeline
reach storage only through it: not models/, not peewee or playhouse. Exempt:
jobs/lease.py (the lease is the jobs process's own row) and wechat/fake.py (a
stand-in for WeChat's servers, not part of the service).
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STORAGE = ("models", "peewee", "playhouse")
ENTRY_POINTS = ("app", "cli", "serving", "wechat_app")
FORBIDDEN = {
    "web": STORAGE,
    "wechat": STORAGE,
    "jobs": STORAGE,
    "pipeline": ("web", "wechat", "jobs") + ENTRY_POINTS,
    "models": ("pipeline", "web", "wechat", "jobs") + ENTRY_POINTS,
}
EXEMPT = {"jobs.lease", "wechat.fake"}

# Known crossings that other work in issue 9 removes. Each entry is one imported
# name, so a new crossing in the same module still fails; an entry that is no
# longer needed fails too (`test_allowed_crossings_still_exist`), so the list
# only shrinks.
ALLOWED: dict[tuple[str, str], str] = {}


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules():
    for package in FORBIDDEN:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield module_name(path), path


def imported_names(name, path):
    """Every dotted name `name` imports: `import a.b` gives a.b; `from a import b` gives a.b."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = name.split(".")
                package = package[:len(package) - node.level + (1 if is_package else 0)]
                base = ".".join(package + ([node.module] if node.module else []))
            else:
                base = node.module
            for alias in node.names:
                yield f"{base}.{alias.name}" if base else alias.name


def crossings():
    """{(module, imported name)} for every import that goes the wrong way."""
    found = set()
    for name, path in modules():
        if name in EXEMPT:
            continue
        banned = FORBIDDEN[name.split(".")[0]]
        for imported in imported_names(name, path):
            if imported.split(".")[0] in banned:
                found.add((name, imported))
    return found


def test_every_layer_is_scanned():
    names = {name for name, _ in modules()}
    assert {"web.api_staff", "wechat.webhook", "jobs.sending", "pipeline.rules.core", "models.base"} <= names


def test_no_module_imports_against_the_layers():
    unexpected = sorted(crossings() - set(ALLOWED))
    assert not unexpected, "imports against the layers (web/wechat/jobs -> pipeline -> models):\n" + "\n".join(
        f"  {module} imports {imported}" for module, imported in unexpected)


def test_allowed_crossings_still_exist():
    """Once a crossing is gone its entry goes too, so it cannot come back unnoticed."""
    stale = sorted(set(ALLOWED) - crossings())
    assert not stale, f"remove these from ALLOWED: {stale}"


@pytest.mark.parametrize("source, expected", [
    ("from models import Item", {("web.example", "models.Item")}),
    ("import models.base", {("web.example", "models.base")}),
    ("def f():\n    from peewee import fn", {("web.example", "peewee.fn")}),
    ("from .. import models", {("web.example", "models")}),
    ("from pipeline.rules.boundary import local_now", set()),
])
def test_the_check_sees_each_form_of_import(tmp_path, monkeypatch, source, expected):
    package = tmp_path / "web"
    package.mkdir()
    (package / "example.py").write_text(source, encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert crossings() == expected
