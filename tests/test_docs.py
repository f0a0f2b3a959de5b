"""docs/hook_reference.md documents every hook in intranet_core.hookspecs, and only those.

Hooks are found by introspection (the ``intranet_spec`` attribute that
``intranet_core.hookspec`` sets), never from a hand-kept list.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from intranet_core import PROJECT_NAME, hookspecs

HOOK_REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "hook_reference.md"
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
