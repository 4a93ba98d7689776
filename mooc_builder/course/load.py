"""Read a YAML file into plain data plus a map from data paths to source lines.

PyYAML's composer keeps the position of every node; we walk the node tree ourselves so that
every value can be traced back to its line (errors name ``course.yaml:14``), duplicate keys are
reported instead of silently overwritten, mapping keys stay strings (a language code ``no:``
must not turn into ``False``) and every string is normalised to NFC on the way in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from mooc_builder.errors import WARNING, Problem
from mooc_builder.text import is_nfc, nfc

DataPath = tuple[str | int, ...]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's composer when PyYAML has it (several times faster); it keeps node marks too."""


def format_path(path: Sequence[str | int]) -> str:
    """``("lessons", 2, "captions", "vi")`` -> ``lessons[2].captions.vi``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True)
class SourceMap:
    """Where each value of a loaded YAML document stands in its file."""

    file: Path
    lines: Mapping[DataPath, int] = field(default_factory=dict)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """Line of ``path``, or of its nearest ancestor that exists in the file."""
        key = tuple(path)
        while True:
            if key in self.lines:
                return self.lines[key]
            if not key:
                return None
            key = key[:-1]


@dataclass(frozen=True)
class LoadedYaml:
    """A YAML document as plain data, its source map, and what was found while reading it."""

    data: Any
    source: SourceMap
    problems: tuple[Problem, ...]


def load_yaml(file: Path) -> LoadedYaml:
    """Load ``file``; syntax and encoding problems come back as problems, never as exceptions."""
    source = SourceMap(file)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        problem = Problem(
            "file-unreadable",
            f"cannot read {file.name}: {exc.strerror or exc}",
            file=file,
            hint="check that the file exists and that you may read it",
        )
        return LoadedYaml(None, source, (problem,))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problem = Problem(
            "yaml-encoding",
            f"byte 0x{raw[exc.start]:02x} is not UTF-8",
            file=file,
            line=line,
            hint="save the file as UTF-8",
        )
        return LoadedYaml(None, source, (problem,))
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = Problem(
            "yaml-syntax",
            f"YAML syntax error: {exc.problem or exc.context}",
            file=file,
            line=mark.line + 1 if mark else None,
            hint="check indentation and quoting near this line",
        )
        return LoadedYaml(None, source, (problem,))
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare
        return LoadedYaml(None, source, (Problem("yaml-syntax", str(exc), file=file),))
    walker = _Walker(file)
    data = walker.walk(root, ()) if root is not None else None
    return LoadedYaml(data, SourceMap(file, walker.lines), tuple(walker.problems))


class _Walker:
    def __init__(self, file: Path) -> None:
        self.file = file
        self.lines: dict[DataPath, int] = {}
        self.problems: list[Problem] = []
        self._constructor = SafeConstructor()

    def walk(self, node: Node, path: DataPath) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.walk(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        value = self._constructor.construct_object(node, deep=True)
        if isinstance(value, str):
            value = self._text(value, node, path)
        return value

    def _mapping(self, node: MappingNode, path: DataPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                self.problems.append(
                    Problem(
                        "yaml-key",
                        "keys must be plain words",
                        file=self.file,
                        line=line,
                        path=format_path(path) or None,
                    )
                )
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(
                    Problem(
                        "yaml-key",
                        "YAML merge keys (<<) are not supported",
                        file=self.file,
                        line=line,
                        path=format_path(path) or None,
                        hint="write the values out in full",
                    )
                )
                continue
            key = nfc(key_node.value)
            child = (*path, key)
            if key in out:
                self.problems.append(
                    Problem(
                        "yaml-duplicate-key",
                        f"key '{key}' appears twice; the first one is at line {self.lines[child]}",
                        file=self.file,
                        line=line,
                        path=format_path(child),
                        hint="remove one of them",
                    )
                )
                continue
            self.lines[child] = line
            out[key] = self.walk(value_node, child)
            self.lines[child] = line  # the key's line, even for block values that start below it
        return out

    def _text(self, value: str, node: ScalarNode, path: DataPath) -> str:
        if is_nfc(value):
            return value
        self.problems.append(
            Problem(
                "text-not-nfc",
                "text is not in Unicode NFC; it was normalised",
                severity=WARNING,
                file=self.file,
                line=node.start_mark.line + 1,
                path=format_path(path) or None,
                hint="save the file as NFC (most editors can); mooc reads it normalised meanwhile",
            )
        )
        return nfc(value)
