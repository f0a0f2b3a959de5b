"""The reference pages stay true to the code.

docs/hook_reference.md documents every hook in intranet_core.hookspecs, and
only those. Hooks are found by introspection (the ``intranet_spec`` attribute
that ``intranet_core.hookspec`` sets), never from a hand-kept list.

docs/core-api.md documents the names plugins import from intranet_core: each
``### `intranet_core....` `` section names something that exists, its ``def``
line matches the function, and every name the first-party plugins
(``plugins/*/src``) import from intranet_core has a section. The imports are
found by reading the plugins' source, never from a hand-kept list.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import intranet_core
from intranet_core import PROJECT_NAME, hookspecs

ROOT = Path(__file__).resolve().parent.parent
HOOK_REFERENCE = ROOT / "docs" / "hook_reference.md"
CORE_API = ROOT / "docs" / "core-api.md"
PLUGINS = ROOT / "plugins"
SPEC_ATTRIBUTE = f"{PROJECT_NAME}_spec"

# "### register_routes(app)": a hook section. Headings without "(" are prose.
SECTION = re.compile(r"^###\s+([A-Za-z_][A-Za-z0-9_]*)\((.*)\)\s*$")
GROUP_HEADING = re.compile(r"^##\s+(?!#)(.+?)\s*$")
GROUP_COMMENT = re.compile(r"^# -+ (.+?) -+$")
FENCE = re.compile(r"^\s*(```|~~~)")


def hookspec_functions() -> dict[str, Callable[..., Any]]:
    return {
        name: obj
        for name, obj in vars(hookspecs).items()
        if inspect.isfunction(obj) and hasattr(obj, SPEC_ATTRIBUTE)
    }


def spec_arguments(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


def spec_groups() -> dict[str, str]:
    """Each hook's group: the ``# --- Title ---`` comment above it in hookspecs.py."""
    lines, _start = inspect.getsourcelines(hookspecs)
    definition = re.compile(r"^def ([A-Za-z_][A-Za-z0-9_]*)\(")
    groups: dict[str, str] = {}
    current = ""
    for line in lines:
        if m := GROUP_COMMENT.match(line.rstrip()):
            current = m.group(1)
        elif m := definition.match(line):
            groups[m.group(1)] = current
    return groups


def doc_sections() -> list[tuple[str, list[str], str, int]]:
    """``(hook name, argument names, group heading, line number)`` of each ``### name(...)``."""
    sections = []
    group = ""
    in_code = False
    for number, line in enumerate(HOOK_REFERENCE.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            continue
        if m := GROUP_HEADING.match(line):
            group = m.group(1)
        elif m := SECTION.match(line):
            arguments = [a.split(":")[0].split("=")[0].strip() for a in m.group(2).split(",")]
            sections.append((m.group(1), [a for a in arguments if a], group, number))
    return sections


def test_hookspecs_are_found_by_introspection() -> None:
    # Guards the test itself: if the marker attribute changed, nothing would be checked.
    specs = hookspec_functions()
    assert "register_routes" in specs
    assert len(specs) >= 10


def test_every_hook_has_a_section() -> None:
    documented = {name for name, _args, _group, _line in doc_sections()}
    missing = sorted(set(hookspec_functions()) - documented)
    assert not missing, (
        f"{HOOK_REFERENCE.name} has no '### name(...)' section for hook(s): {', '.join(missing)}"
    )


def test_every_section_names_an_existing_hook() -> None:
    specs = hookspec_functions()
    unknown = [
        f"{name} (line {line})" for name, _args, _group, line in doc_sections() if name not in specs
    ]
    assert not unknown, (
        f"{HOOK_REFERENCE.name} documents hook(s) that intranet_core.hookspecs does not declare: "
        + ", ".join(unknown)
    )


def test_each_hook_is_documented_once() -> None:
    names = [name for name, _args, _group, _line in doc_sections()]
    twice = sorted({name for name in names if names.count(name) > 1})
    assert not twice, f"{HOOK_REFERENCE.name} has more than one section for: {', '.join(twice)}"


def test_section_arguments_match_the_hookspec() -> None:
    specs = hookspec_functions()
    wrong = [
        f"{name} (line {line}): documented ({', '.join(args)}), "
        f"hookspec has ({', '.join(spec_arguments(specs[name]))})"
        for name, args, _group, line in doc_sections()
        if name in specs and args != spec_arguments(specs[name])
    ]
    assert not wrong, "argument lists differ from intranet_core.hookspecs:\n" + "\n".join(wrong)


def test_sections_are_grouped_as_in_hookspecs() -> None:
    groups = spec_groups()
    misplaced = [
        f"{name} (line {line}) is under '## {group}', hookspecs.py has it under '{groups[name]}'"
        for name, _args, group, line in doc_sections()
        if name in groups and group != groups[name]
    ]
    assert not misplaced, "\n".join(misplaced)


@pytest.mark.parametrize("name", sorted(hookspec_functions()))
def test_hookspec_has_a_docstring(name: str) -> None:
    assert inspect.getdoc(hookspec_functions()[name]), f"hookspec {name} has no docstring"


# --- docs/core-api.md ---------------------------------------------------------------------------

# "### `intranet_core.people.service.create_person`": an entry. Headings without backticks are prose.
ENTRY = re.compile(r"^###\s+`([^`]+)`\s*$")
HEADING = re.compile(r"^#{1,6}\s")
INLINE_CODE = re.compile(r"`([^`]+)`")
DEF_LINE = re.compile(r"^(?:async\s+)?def\s+([A-Za-z_][A-Za-z0-9_]*)\(")


@dataclasses.dataclass(frozen=True)
class Entry:
    name: str
    line: int
    code: str
    """The first inline code of the entry's first line: the signature (``async def f(a, *, b=1) -> int``)."""
    body: str
    """The rest of the entry, up to the next heading."""


def api_entries() -> list[Entry]:
    lines = CORE_API.read_text(encoding="utf-8").splitlines()
    headings: list[tuple[int, str | None]] = []  # (index, the entry's name; None for prose)
    in_code = False
    for index, line in enumerate(lines):
        if FENCE.match(line):
            in_code = not in_code
        elif not in_code and HEADING.match(line):
            m = ENTRY.match(line)
            headings.append((index, m.group(1) if m else None))
    entries = []
    for (start, name), (end, _next) in zip(headings, [*headings[1:], (len(lines), None)], strict=True):
        if name is None:
            continue
        text = lines[start + 1:end]
        first = next((index for index, line in enumerate(text) if line.strip()), len(text))
        code = INLINE_CODE.match(text[first].strip()) if first < len(text) else None
        entries.append(Entry(name, start + 1, code.group(1) if code else "", "\n".join(text[first + 1:])))
    return entries


class NotFound(LookupError):
    pass


def resolve(dotted: str) -> Any:
    """The module, or the object inside a module, that a dotted path names."""
    if not (dotted == "intranet_core" or dotted.startswith("intranet_core.")):
        raise NotFound(f"{dotted} is not in intranet_core")
    parts = dotted.split(".")
    for count in range(len(parts), 0, -1):
        module_name = ".".join(parts[:count])
        try:
            found: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and (module_name + ".").startswith(exc.name + "."):
                continue  # not a module: an attribute of the one above
            raise
        for attribute in parts[count:]:
            try:
                found = getattr(found, attribute)
            except AttributeError:
                raise NotFound(f"{dotted}: {'.'.join(parts[:count])} has no {attribute!r}") from None
        return found
    raise NotFound(f"{dotted}: no such module")


def resolved_entries() -> Iterator[tuple[Entry, Any]]:
    """Each entry with what it names; entries naming nothing are left to the test that reports them."""
    for entry in api_entries():
        try:
            yield entry, resolve(entry.name)
        except NotFound:
            continue


def documented_names() -> set[str]:
    return {entry.name for entry in api_entries()}


def plugin_imports() -> Iterator[tuple[str, int, str]]:
    """``(file, line, dotted name)`` of every import from intranet_core in the first-party plugins' source."""
    for path in sorted(PLUGINS.glob("*/src/**/*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
                if node.module == "intranet_core" or node.module.startswith("intranet_core."):
                    for alias in node.names:
                        yield where, node.lineno, f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == "intranet_core" or alias.name.startswith("intranet_core."):
                        yield where, node.lineno, alias.name


def is_documented(name: str, documented: set[str]) -> bool:
    """A name with an entry; a module with an entry of its own or of one of its names; a re-export."""
    if name in documented:
        return True
    module, _dot, attribute = name.rpartition(".")
    if attribute == "*":
        name = module
    try:
        found = resolve(name)
    except NotFound:
        return False
    if inspect.ismodule(found):
        return any(entry.startswith(f"{name}.") for entry in documented)
    # `from intranet_core import NavItem`: the package's own re-exports are the documented objects.
    if module == "intranet_core" and attribute in intranet_core.__all__:
        return any(found is target for entry in documented for target in _resolved_or_none(entry))
    return False


def _resolved_or_none(name: str) -> list[Any]:
    try:
        return [resolve(name)]
    except NotFound:
        return []


# A parameter as both sides are compared: name, kind (``inspect.Parameter.kind.name``), has a default.
Parameter = tuple[str, str, bool]


def parameters_of_def(code: str) -> tuple[bool, list[Parameter]]:
    """Whether a documented ``def`` line is async, and its parameters."""
    function = ast.parse(f"{code}: ...").body[0]
    assert isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    first_default = len(positional) - len(arguments.defaults)
    found: list[Parameter] = []
    for index, argument in enumerate(positional):
        kind = "POSITIONAL_ONLY" if index < len(arguments.posonlyargs) else "POSITIONAL_OR_KEYWORD"
        found.append((argument.arg, kind, index >= first_default))
    if arguments.vararg is not None:
        found.append((arguments.vararg.arg, "VAR_POSITIONAL", False))
    for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
        found.append((argument.arg, "KEYWORD_ONLY", default is not None))
    if arguments.kwarg is not None:
        found.append((arguments.kwarg.arg, "VAR_KEYWORD", False))
    return isinstance(function, ast.AsyncFunctionDef), found


def parameters_of(function: Callable[..., Any]) -> list[Parameter]:
    return [
        (p.name, p.kind.name, p.default is not inspect.Parameter.empty)
        for p in inspect.signature(function).parameters.values()
    ]


def describe(parameters: list[Parameter]) -> str:
    words = []
    for name, kind, has_default in parameters:
        prefix = {"VAR_POSITIONAL": "*", "VAR_KEYWORD": "**"}.get(kind, "")
        keyword = " (keyword-only)" if kind == "KEYWORD_ONLY" else ""
        words.append(f"{prefix}{name}{'=…' if has_default else ''}{keyword}")
    return ", ".join(words)


def test_core_api_entries_are_found() -> None:
    # Guards the tests below: if the heading format changed, nothing would be checked.
    names = documented_names()
    assert "intranet_core.people.service.create_person" in names
    assert len(names) >= 100


def test_every_core_api_entry_names_something_that_exists() -> None:
    missing = []
    for entry in api_entries():
        try:
            resolve(entry.name)
        except NotFound as exc:
            missing.append(f"line {entry.line}: {exc}")
    assert not missing, f"{CORE_API.name} documents what does not exist:\n" + "\n".join(missing)


def test_each_core_api_name_is_documented_once() -> None:
    names = [entry.name for entry in api_entries()]
    twice = sorted({name for name in names if names.count(name) > 1})
    assert not twice, f"{CORE_API.name} has more than one section for: {', '.join(twice)}"


def test_every_core_api_entry_starts_with_its_signature() -> None:
    bare = [f"line {entry.line}: {entry.name}" for entry in api_entries() if not entry.code]
    assert not bare, f"{CORE_API.name}: entries without a code line under the heading:\n" + "\n".join(bare)


def test_core_api_def_lines_match_the_code() -> None:
    wrong = []
    checked = 0
    for entry, function in resolved_entries():
        m = DEF_LINE.match(entry.code)
        if m is None:
            continue
        checked += 1
        where = f"line {entry.line}: {entry.name}"
        if m.group(1) != entry.name.rpartition(".")[2]:
            wrong.append(f"{where}: the def line names {m.group(1)!r}")
            continue
        try:
            documented_async, documented = parameters_of_def(entry.code)
        except SyntaxError as exc:
            wrong.append(f"{where}: the def line is not Python: {exc.msg}")
            continue
        if documented_async != inspect.iscoroutinefunction(function):
            wrong.append(f"{where}: documented as {'async ' if documented_async else ''}def, "
                         f"the code has {'async ' if inspect.iscoroutinefunction(function) else ''}def")
        actual = parameters_of(function)
        if documented != actual:
            wrong.append(f"{where}: documented ({describe(documented)}), the code has ({describe(actual)})")
    assert checked >= 80, "too few def lines found: has the entry format changed?"
    assert not wrong, f"{CORE_API.name} differs from the code:\n" + "\n".join(wrong)


def test_core_api_structs_and_dataclasses_name_every_field() -> None:
    missing = []
    for entry, found in resolved_entries():
        if not inspect.isclass(found):
            continue
        if hasattr(found, "__struct_fields__"):
            fields = list(found.__struct_fields__)
        elif dataclasses.is_dataclass(found):
            fields = [field.name for field in dataclasses.fields(found)]
        else:
            continue
        mentioned = set(INLINE_CODE.findall(entry.body))
        left_out = [field for field in fields if field not in mentioned]
        if left_out:
            missing.append(f"line {entry.line}: {entry.name} does not mention `{'`, `'.join(left_out)}`")
    assert not missing, f"{CORE_API.name}: fields left out:\n" + "\n".join(missing)


def test_core_api_tables_list_only_real_columns() -> None:
    from piccolo.table import Table

    wrong = []
    tables = 0
    for entry, found in resolved_entries():
        if not (inspect.isclass(found) and issubclass(found, Table)):
            continue
        tables += 1
        listed = next((line for line in entry.body.splitlines() if line.startswith("Columns:")), None)
        if listed is None:
            wrong.append(f"line {entry.line}: {entry.name} has no 'Columns:' line")
            continue
        columns = {column._meta.name for column in found._meta.columns}
        unknown = [name for name in INLINE_CODE.findall(listed) if name not in columns]
        if unknown:
            wrong.append(f"line {entry.line}: {entry.name} has no column(s) {', '.join(unknown)}")
    assert tables >= 9
    assert not wrong, f"{CORE_API.name}, tables:\n" + "\n".join(wrong)


def test_plugin_imports_are_found() -> None:
    # Guards the next test: if the plugins moved, nothing would be checked.
    names = {name for _where, _line, name in plugin_imports()}
    assert "intranet_core.hookimpl" in names
    assert len(names) >= 50


def test_every_name_plugins_import_from_the_core_is_documented() -> None:
    documented = documented_names()
    undocumented = [
        f"{where}:{line} imports {name}"
        for where, line, name in plugin_imports()
        if not is_documented(name, documented)
    ]
    assert not undocumented, (
        f"first-party plugins import names from intranet_core that {CORE_API.name} does not document "
        "(document them there, or use a documented name instead):\n" + "\n".join(undocumented)
    )


def test_the_core_api_check_accepts_modules_and_re_exports_only_when_documented() -> None:
    documented = {"intranet_core.feed.service.audience_keys", "intranet_core.contributions.NavItem"}
    assert is_documented("intranet_core.feed.service", documented)  # a module: one of its names has an entry
    assert is_documented("intranet_core.NavItem", documented)  # the package re-exports the documented class
    assert not is_documented("intranet_core.feed.conversation", documented)
    assert not is_documented("intranet_core.Widget", documented)
    assert not is_documented("intranet_core.feed.service.create_post", documented)
    assert not is_documented("intranet_core.no_such_name", documented)
