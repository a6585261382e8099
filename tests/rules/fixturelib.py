"""Rule fixtures: discovery, annotations and the one-patch Series a case turns into.

Layout (docs/architecture.md "Rule fixtures"):

    tests/rules/<ID>/<case>.old.c + <case>.new.c   one file; a missing side = added/deleted
    tests/rules/<ID>/<case>/old/... + new/...      several files (cross-file rules); a
                                                   VERSION file sets base/head_version

Annotations are C comments (read from tree-sitter comment nodes, never from strings):

    // expect: MIG003          the rule fires on this line of the new file
    // expect-old: MIG003      ... on this line of the old file
    // ok: MIG003              deliberate negative: the rule must not fire on this line
    // todo-expect: MIG003     known miss (strict xfail: fails once the rule fires here)
    // todo-ok: MIG003         known false positive (strict xfail: fails once it stops)
    // note: MIG035            the rule fires here as a note only (reach, release baseline)
    // note-old: MIG020        ... on this line of the old file

A comment that follows code anchors on its own line; a comment alone on its line anchors on
the next line holding code. Several ids may be listed (`expect: MIG001, MIG002`); repeat an id
to expect it twice. Header comments:

    // fixture-path: hw/foo/bar.c     path used in the Series (single-file cases;
                                      default hw/misc/<case>.c)
    // fixture-tree: compat           the unchanged files (and VERSION) of
                                      tests/rules/trees/compat/ around a single-file
                                      case: a whole tree, e.g. for the fix drafts that
                                      go into hw/core/machine.c; its versioned board
                                      (hw/i386/pc_fixture.c) has the fixtures' sysbus
                                      devices, so they keep the reach they have alone

The last release (bot.engine.baseline): `<case>.release.c` next to a single-file case, or a
`<case>/release/` tree (its VERSION names the release) beside old/ and new/; a
`// fixture-release: 9.2.0` header in the release file names it for a single file. Without
one the case has no release baseline.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.findings import Finding, Severity
from bot.model.comments import comment_nodes
from bot.series import FileChange, Patch, Series, hunks_from_bytes

RULES_DIR = Path(__file__).resolve().parent
CASE_SUFFIXES = (".c", ".h")
KINDS = ("expect", "expect-old", "ok", "todo-expect", "todo-ok", "note", "note-old")

_ANNOT = re.compile(
    r"\b(todo-expect|todo-ok|expect-old|expect|ok|note-old|note)\s*:\s*"
    r"(MIG\d{3}(?:\s*(?:,\s*|\s)\s*MIG\d{3})*)"
)
_ID = re.compile(r"MIG\d{3}")
# fixture-rules is no longer allowed (every rule is compared)
_HEADER = re.compile(r"^fixture-(path|rules|tree|release)\s*:\s*(.+?)\s*$")
TREES_DIR = RULES_DIR / "trees"

Key = tuple[str, str, str, int]  # (rule, side, path, line)


class FixtureError(Exception):
    """A fixture that cannot be read as written (bad annotation placement, no files...)."""


@dataclass
class Annotations:
    """All annotations of one case, as multisets keyed by (rule, side, path, line)."""

    expect: Counter[Key] = field(default_factory=Counter)
    ok: Counter[Key] = field(default_factory=Counter)
    todo_expect: Counter[Key] = field(default_factory=Counter)
    todo_ok: Counter[Key] = field(default_factory=Counter)
    notes: Counter[Key] = field(default_factory=Counter)  # expected, as notes only

    def mentions(self) -> set[str]:
        """Every rule id named by an expect/ok annotation."""
        out: set[str] = set()
        for c in (self.expect, self.ok, self.todo_expect, self.todo_ok, self.notes):
            out.update(k[0] for k in c)
        return out


@dataclass
class Case:
    """One fixture case: its files (path -> old, new) and where it came from."""

    rule_dir: str  # MIG003
    name: str
    source: Path
    files: dict[str, tuple[bytes | None, bytes | None]]
    multi: bool = False  # a <case>/old + <case>/new directory
    base_version: str | None = None
    head_version: str | None = None
    context: dict[str, tuple[bytes | None, bytes | None]] = field(default_factory=dict)
    release: dict[str, bytes] | None = None  # the files of the last release, if any
    release_version: str = "0.0.0"

    @property
    def id(self) -> str:
        """pytest id: MIG003/case."""
        return f"{self.rule_dir}/{self.name}"

    def series(self) -> Series:
        """A one-patch Series: base has the old files, head the new ones."""
        changes = tuple(
            FileChange(
                old_path=path if old is not None else None,
                new_path=path if new is not None else None,
                old=old,
                new=new,
                hunks=hunks_from_bytes(old, new),
            )
            for path, (old, new) in sorted(self.files.items())
            if old != new
        )
        patch = Patch(1, "1" * 40, f"fixture {self.id}", "migcheck fixtures", changes)
        return Series(
            base="0" * 40,
            head="1" * 40,
            patches=(patch,),
            folded=changes,
            base_version=self.base_version,
            head_version=self.head_version,
        )

    def annotations(self) -> Annotations:
        """Every annotation of every file of this case."""
        ann = Annotations()
        for path, (old, new) in sorted(all_files(self).items()):
            if old == new and old is not None:
                _collect(ann, path, "both", old, self.id)  # unchanged context file
                continue
            for side, data in (("old", old), ("new", new)):
                if data is not None:
                    _collect(ann, path, side, data, self.id)
        return ann


def _anchor_lines(data: bytes) -> list[bool]:
    """Per 0-based line: True when the line holds code (not blank, not only a comment)."""
    out: list[bool] = []
    for raw in data.split(b"\n"):
        s = raw.strip()
        out.append(bool(s) and not s.startswith((b"//", b"/*", b"*")))
    return out


def _collect(ann: Annotations, path: str, file_side: str, data: bytes, case_id: str) -> None:
    """Add the annotations of one file side ("both" for an unchanged context file)."""
    code = _anchor_lines(data)
    nodes = comment_nodes(data)
    _check_directive_annotations(data, {c.line for c in nodes}, path, case_id)
    for com in nodes:
        for text in com.text.splitlines():
            h = _HEADER.match(text.strip())
            if h and h.group(1) == "rules":
                raise FixtureError(
                    f"{case_id}: {path}: 'fixture-rules' is gone; every rule's findings are "
                    "compared, annotate them (todo-ok: with a reason for a known false positive)"
                )
        for m in _ANNOT.finditer(com.text):
            kind, ids_text = m.group(1), m.group(2)
            side = file_side
            if file_side == "both":
                side = "old" if kind in ("expect-old", "note-old") else "new"
            elif kind in ("expect", "note") and side == "old":
                raise FixtureError(f"{case_id}: {path} old side: use '{kind}-old:' in the old file")
            elif kind in ("expect-old", "note-old") and side == "new":
                raise FixtureError(f"{case_id}: {path} new side: '{kind}:' in the new file")
            if com.trailing:
                line = com.line
            else:
                line = next((i + 1 for i in range(com.end_line, len(code)) if code[i]), com.line)
            target = {
                "expect": ann.expect,
                "expect-old": ann.expect,
                "ok": ann.ok,
                "todo-expect": ann.todo_expect,
                "todo-ok": ann.todo_ok,
                "note": ann.notes,
                "note-old": ann.notes,
            }[kind]
            for rid in _ID.findall(ids_text):
                target[(rid, side, path, line)] += 1


def _check_directive_annotations(data: bytes, seen: set[int], path: str, case_id: str) -> None:
    """tree-sitter reads a comment after a `#define` as part of the macro's value, so an
    annotation there would be silently dropped: refuse it."""
    for n, raw in enumerate(data.split(b"\n"), start=1):
        line = raw.decode("utf-8", "replace")
        if not line.lstrip().startswith("#") or n in seen:
            continue
        cut = min((i for i in (line.find("//"), line.find("/*")) if i >= 0), default=-1)
        if cut >= 0 and _ANNOT.search(line[cut:]):
            raise FixtureError(
                f"{case_id}: {path}:{n}: an annotation on a preprocessor line is not read "
                "(the comment belongs to the directive); put it alone on the line before"
            )


def _header_path(*datas: bytes | None, kind: str = "path") -> str | None:
    for data in datas:
        if data is None:
            continue
        for com in comment_nodes(data):
            for text in com.text.splitlines():
                h = _HEADER.match(text.strip())
                if h and h.group(1) == kind:
                    return h.group(2)
    return None


def _read_tree(root: Path) -> dict[str, bytes]:
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def discover(rules_dir: Path = RULES_DIR) -> Iterator[Case]:
    """Every fixture case under tests/rules/<ID>/, sorted."""
    for rule_dir in sorted(p for p in rules_dir.iterdir() if _ID.fullmatch(p.name)):
        singles: dict[str, dict[str, Path]] = {}
        for f in sorted(rule_dir.iterdir()):
            if f.is_file():
                for side in ("old", "new", "release"):
                    for suf in CASE_SUFFIXES:
                        tail = f".{side}{suf}"
                        if f.name.endswith(tail):
                            singles.setdefault(f.name[: -len(tail)], {})[side] = f
            elif f.is_dir() and ((f / "old").is_dir() or (f / "new").is_dir()):
                yield _multi_case(rule_dir.name, f)
        for name, sides in sorted(singles.items()):
            if "old" not in sides and "new" not in sides:
                raise FixtureError(f"{rule_dir.name}/{name}: a release side without old/new")
            old = sides["old"].read_bytes() if "old" in sides else None
            new = sides["new"].read_bytes() if "new" in sides else None
            suffix = (sides.get("new") or sides["old"]).suffix
            path = _header_path(new, old) or f"hw/misc/{name}{suffix}"
            case = Case(rule_dir.name, name, rule_dir, {path: (old, new)})
            if "release" in sides:
                rel = sides["release"].read_bytes()
                case.release = {path: rel}
                case.release_version = _header_path(rel, kind="release") or "0.0.0"
            tree_name = _header_path(new, old, kind="tree")
            yield _in_tree(case, tree_name) if tree_name else case


def _in_tree(case: Case, tree_name: str) -> Case:
    """A single-file case set in the unchanged files of tests/rules/trees/<tree_name>/."""
    files = _read_tree(TREES_DIR / tree_name)
    if not files:
        raise FixtureError(f"{case.id}: no fixture tree {tree_name!r} under {TREES_DIR}")
    version = files.pop("VERSION", None)
    ver = version.decode().strip() if version is not None else None
    context = {p: (data, data) for p, data in files.items() if p not in case.files}
    return dataclasses.replace(case, multi=True, base_version=ver, head_version=ver,
                               context=context)  # fmt: skip


def _multi_case(rule_id: str, case_dir: Path) -> Case:
    old = _read_tree(case_dir / "old")
    new = _read_tree(case_dir / "new")
    release = _read_tree(case_dir / "release") if (case_dir / "release").is_dir() else None
    rel_v = release.pop("VERSION", None) if release is not None else None
    base_v = old.pop("VERSION", None)
    head_v = new.pop("VERSION", None)
    files: dict[str, tuple[bytes | None, bytes | None]] = {}
    context: dict[str, tuple[bytes | None, bytes | None]] = {}
    for path in sorted(set(old) | set(new)):
        pair = (old.get(path), new.get(path))
        (files if pair[0] != pair[1] else context)[path] = pair
    return Case(
        rule_id,
        case_dir.name,
        case_dir,
        files,
        multi=True,
        base_version=base_v.decode().strip() if base_v is not None else None,
        head_version=head_v.decode().strip() if head_v is not None else None,
        context=context,
        release=release,
        release_version=rel_v.decode().strip() if rel_v is not None else "0.0.0",
    )


def all_files(case: Case) -> dict[str, tuple[bytes | None, bytes | None]]:
    """Changed and unchanged (context) files of a case."""
    return {**case.context, **case.files}


def _fmt(keys: Counter[Key]) -> str:
    return "\n".join(
        f"  {rule} {side}:{path}:{line}" + (f" x{n}" if n > 1 else "")
        for (rule, side, path, line), n in sorted(keys.items())
    )


def compare(ann: Annotations, findings: tuple[Finding, ...]) -> tuple[list[str], list[str]]:
    """(failures, xfail reasons) of actual findings against annotations, both ways."""
    actual: Counter[Key] = Counter((f.rule, f.side, f.path, f.line) for f in findings)
    expected = ann.expect + ann.notes
    todo_expect = ann.todo_expect
    todo_ok = ann.todo_ok
    # strict xfails: a todo that now behaves correctly must be promoted
    fixed_misses = Counter({k: n for k, n in todo_expect.items() if actual[k] > 0})
    gone_fps = Counter({k: n for k, n in todo_ok.items() if actual[k] == 0})
    actual_cmp = actual - todo_ok  # known false positives do not count as unexpected
    missing = expected - actual_cmp
    unexpected = actual_cmp - expected - fixed_misses  # reported once, as a promotion
    forbidden = Counter({k: n for k, n in unexpected.items() if ann.ok[k] > 0})
    unexpected -= forbidden
    out: list[str] = []
    if missing:
        out.append("expected but not reported:\n" + _fmt(missing))
    if unexpected or forbidden:
        detail = {(f.rule, f.side, f.path, f.line): f.message for f in findings}
        for title, keys in (
            ("reported but not expected", unexpected),
            ("fired on a line marked ok", forbidden),
        ):
            if keys:
                out.append(
                    f"{title}:\n"
                    + "\n".join(
                        f"{_fmt(Counter({k: n}))}  -- {detail.get(k, '')}"
                        for k, n in sorted(keys.items())
                    )
                )
    loud = Counter(
        (f.rule, f.side, f.path, f.line) for f in findings if f.severity != Severity.NOTE
    )
    not_notes = Counter({k: n for k, n in ann.notes.items() if loud[k] > 0})
    if not_notes:
        out.append("expected as a note but reported as an error or warning:\n" + _fmt(not_notes))
    if fixed_misses:
        out.append("todo-expect now reported; turn it into expect:\n" + _fmt(fixed_misses))
    if gone_fps:
        out.append("todo-ok no longer reported; turn it into ok:\n" + _fmt(gone_fps))
    xfails = []
    if todo_expect or todo_ok:
        xfails.append("known misses/false positives:\n" + _fmt(todo_expect + todo_ok))
    return out, xfails
