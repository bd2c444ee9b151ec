"""Limits on what a YAML file may make us do: its size, how far its aliases expand, how deep it nests.

A handout is a few kilobytes. A file that is huge, or whose aliases expand
into millions of values (an "alias bomb"), or that refers to itself, or that
nests thousands of levels deep, is refused quickly and with bounded memory,
before anything walks its values. Duplicate keys are refused too: YAML
itself would keep the last one silently (a second ``handouts:`` list would
drop the first).
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

#: bytes; the largest handout of the bundled library is about 10 KB
MAX_BYTES = 2 * 1024 * 1024
#: values (mappings, lists, scalars) once every alias is expanded
MAX_VALUES = 200_000
#: levels of nested mappings and lists
MAX_DEPTH = 40


@dataclass(frozen=True)
class Refusal:
    """Why a file was refused, and where (1-based line and column, when known)."""

    message: str
    line: int | None = None
    column: int | None = None


def _at(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def check_graph(root: yaml.Node) -> list[Refusal]:
    """Walk the composed node graph once (aliases are shared nodes there, so this is cheap) and refuse
    self-reference, too deep nesting, too many values after alias expansion, and duplicate keys."""
    sizes: dict[int, int] = {}  # expanded size of each node already measured
    duplicates: list[Refusal] = []
    on_path: set[int] = set()
    # An explicit stack instead of recursion: a deep file must not exhaust Python's stack.
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[key] > MAX_VALUES:
                line, column = _at(node)
                return [
                    Refusal(
                        f"its aliases expand to more than {MAX_VALUES:,} values; write the values out "
                        "instead of repeating aliases",
                        line,
                        column,
                    )
                ]
            continue
        if key in sizes:
            continue
        if key in on_path:
            line, column = _at(node)
            return [Refusal("an alias refers to the value that contains it; remove the '*' reference", line, column)]
        if depth > MAX_DEPTH:
            line, column = _at(node)
            return [Refusal(f"values nest more than {MAX_DEPTH} levels deep; a handout needs only a few", line, column)]
        on_path.add(key)
        stack.append((node, depth, True))
        if isinstance(node, yaml.MappingNode):
            duplicates += _duplicate_keys(node)
        stack.extend((child, depth + 1, False) for child in reversed(_children(node)) if id(child) not in sizes)
    return duplicates


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _duplicate_keys(node: yaml.MappingNode) -> list[Refusal]:
    first: dict[str, int] = {}
    found = []
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        line, column = _at(key_node)
        if key_node.value in first:
            found.append(
                Refusal(
                    f"'{key_node.value}' appears twice, on lines {first[key_node.value]} and "
                    f"{line}; keep one (YAML would silently drop the first)",
                    line,
                    column,
                )
            )
        else:
            first[key_node.value] = line
    return found
