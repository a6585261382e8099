"""C comments of a file, read from tree-sitter comment nodes (fixture annotations use them).

Only comment nodes count, so `"// expect: MIG001"` inside a string literal is not a comment.
"""

from __future__ import annotations

from dataclasses import dataclass

import tree_sitter_c
from tree_sitter import Language, Node, Parser

_LANGUAGE = Language(tree_sitter_c.language())


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment: its 1-based first line, its text and whether code precedes it."""

    line: int
    text: str  # comment body without the // or /* */ markers, stripped
    trailing: bool  # True when code precedes the comment on its first line
    end_line: int


def _body(raw: str) -> str:
    if raw.startswith("//"):
        return raw[2:].strip()
    if raw.startswith("/*"):
        raw = raw[2:]
        if raw.endswith("*/"):
            raw = raw[:-2]
        lines = [ln.strip().lstrip("*").strip() for ln in raw.splitlines()]
        return "\n".join(ln for ln in lines if ln)
    return raw.strip()


def comment_nodes(data: bytes) -> list[Comment]:
    """Every comment of a C source, in file order."""
    tree = Parser(_LANGUAGE).parse(data)
    lines = data.split(b"\n")
    out: list[Comment] = []
    stack: list[Node] = [tree.root_node]
    found: list[Node] = []
    while stack:
        node = stack.pop()
        if node.type == "comment":
            found.append(node)
            continue
        stack.extend(reversed(node.children))
    for node in sorted(found, key=lambda n: n.start_byte):
        row, col = node.start_point
        prefix = lines[row][:col] if row < len(lines) else b""
        raw = (node.text or b"").decode("utf-8", "replace")
        out.append(
            Comment(
                line=row + 1,
                text=_body(raw),
                trailing=bool(prefix.strip()),
                end_line=node.end_point[0] + 1,
            )
        )
    return out


def comments(data: bytes) -> list[tuple[int, str]]:
    """(1-based line, text) of every comment of a C source, in file order."""
    return [(c.line, c.text) for c in comment_nodes(data)]
