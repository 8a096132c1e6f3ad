"""The project's docs carry the whole contract, and stay honest as the code grows.

docs/api-actions.md must name every route the app registers under /api/v1,
every staff action with each of its body fields, and every error code the
code raises; and the docs' links must point at files in the repository.
"""
import os
import re
from pathlib import Path

from pipeline.rules.schemas import SCHEMAS
from web.api_staff import ACTIONS
from web.errors import HTTP_MESSAGES

ROOT = Path(__file__).resolve().parent.parent
ACTIONS_DOC = ROOT / "docs" / "api-actions.md"
SOURCE_DIRS = ("pipeline", "web")
IGNORED_METHODS = {"HEAD", "OPTIONS"}
# `code="forbidden"` in a raise, or `code = "invalid"` on an error class.
CODE_LITERAL = re.compile(r"\bcode\s*=\s*\"([a-z0-9_]+)\"")
# The transition table's guards name their error as Guard(predicate, ErrorClass, "code", "message").
GUARD_CODE = re.compile(r"\b(?:Forbidden|WrongState|Invalid|NotFound),\s*\"([a-z0-9_]+)\"")
ROUTE_IN_HEADING = re.compile(r"`([A-Z]+) (/api/v1/[^`]*)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _doc():
    return ACTIONS_DOC.read_text(encoding="utf-8")


def _section(text, heading):
    """The text under `heading` up to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    start = text.index(heading + "\n")
    following = re.compile(rf"^#{{1,{level}}} ", re.M)
    match = following.search(text, start + len(heading) + 1)
    return text[start:match.start() if match else len(text)]


def _headings(text, level):
    return re.findall(r"^%s (.+)$" % ("#" * level), text, re.M)


def _documented_path(rule):
    """/api/v1/staff/badges/<int:badge_id> is written /api/v1/staff/badges/<badge_id>."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"<\1>", rule)


def _registered_routes(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1":
            for method in rule.methods - IGNORED_METHODS:
                routes.add((method, _documented_path(rule.rule)))
    return routes


def _documented_routes():
    routes = set()
    for heading in _headings(_doc(), 4):
        routes.update(ROUTE_IN_HEADING.findall(heading))
    return routes


def test_every_api_route_is_documented(app):
    registered = _registered_routes(app)
    assert ("POST", "/api/v1/staff/items/<number>/<action>") in registered  # the walk sees the app's routes
    missing = sorted(registered - _documented_routes())
    assert not missing, f"routes without a '#### `METHOD /path`' heading in {ACTIONS_DOC.name}: {missing}"


def test_no_documented_route_is_gone(app):
    stale = sorted(_documented_routes() - _registered_routes(app))
    assert not stale, f"{ACTIONS_DOC.name} documents routes the app doesn't register: {stale}"


def _staff_actions_section():
    heading = next(h for h in _headings(_doc(), 2) if h.startswith("Staff actions"))
    return _section(_doc(), "## " + heading)


def test_every_staff_action_and_its_fields_are_documented():
    section = _staff_actions_section()
    for action in ACTIONS:
        fields = SCHEMAS[action]
        heading = f"### `{action}`"
        assert heading + "\n" in section, f"no '{heading}' section for the staff action {action!r}"
        body = _section(section, heading)
        for field in fields:
            assert f"| `{field}` |" in body, f"the field {field!r} of {action!r} is not in its field table"
        for part in ("Roles", "Errors"):
            assert part in body, f"the {action!r} section doesn't say its {part.lower()}"


def test_no_documented_staff_action_is_gone():
    documented = {h.strip("`") for h in _headings(_staff_actions_section(), 3) if re.fullmatch(r"`[a-z_]+`", h)}
    assert documented, "the staff actions section has no '### `action`' headings"
    assert documented <= set(ACTIONS), f"documented actions the API doesn't take: {sorted(documented - set(ACTIONS))}"


def _raised_codes():
    codes = {}
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            for code in CODE_LITERAL.findall(text) + GUARD_CODE.findall(text):
                codes.setdefault(code, str(path.relative_to(ROOT)))
    codes.update({code: "web/errors.py HTTP_MESSAGES" for code, _message in HTTP_MESSAGES.values()})
    return codes


def _error_table_codes():
    table = _section(_doc(), "## Errors")
    return set(re.findall(r"^\| `([^`]+)` \|", table, re.M))


def test_every_error_code_is_in_the_error_table():
    raised = _raised_codes()
    assert {"wrong_state", "consultation_required", "unknown_action"} <= set(raised)  # the scan finds them
    missing = {code: where for code, where in raised.items() if code not in _error_table_codes()}
    assert not missing, f"error codes raised but not in the error table of {ACTIONS_DOC.name}: {missing}"


def test_every_code_in_the_error_table_is_raised():
    source = "".join(path.read_text(encoding="utf-8") for folder in SOURCE_DIRS for path in (ROOT / folder).rglob("*.py"))
    # wechat_<errcode> is built at run time; every other code is a literal somewhere in the code.
    stale = sorted(code for code in _error_table_codes() if "<" not in code and f'"{code}"' not in source)
    assert not stale, f"the error table lists codes nothing raises: {stale}"


def _markdown_files():
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_doc_links_stay_inside_the_repository():
    for page in _markdown_files():
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            resolved = (page.parent / target.split("#")[0]).resolve()
            assert resolved.is_relative_to(ROOT) and resolved.exists(), (
                f"{page.relative_to(ROOT)} links to {target}, which is not a file in the repository")


def _python_files():
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if not name.startswith(".") and name != "node_modules"]
        yield from (Path(folder) / name for name in files if name.endswith(".py"))


def test_design_references_point_into_docs():
    assert (ROOT / "docs/DESIGN.md").is_file()
    for path in _python_files():
        for match in re.finditer(r"[\w./-]*DESIGN\.md", path.read_text(encoding="utf-8")):
            assert match.group() == "docs/DESIGN.md", (
                f"{path.relative_to(ROOT)} refers to {match.group()}: the design is docs/DESIGN.md")
