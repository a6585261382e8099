"""Review one Series: extract models, diff them, run rules per patch and folded, judge.

Pure given its inputs (the only clock read is for Stats.seconds). The verdict is the folded
base->head run: a series that breaks something in patch 2 and repairs it in patch 4 is not a
migration break, but patch 2 is not bisectable, which is reported as a note.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence

from bot.diff.boards import board_change
from bot.diff.filediff import diff_models
from bot.diff.loadhooks import load_hook_changes
from bot.diff.machinesettings import machine_setting_changes
from bot.diff.moves import cancel_moves
from bot.engine.baseline import ReleaseBaseline
from bot.engine.fold import fold_patches, judge
from bot.engine.runner import FileUnit, run_rules
from bot.engine.spec import Rule, TreeView
from bot.findings import Finding
from bot.model.entities import FileModel
from bot.report import Report, Stats
from bot.series import FileChange, Patch, Series, hunks_from_bytes

__all__ = [
    "DEFAULT_SCAN_PREFIXES",
    "ExtractFn",
    "analyze",
    "fold_patches",
    "is_reviewable",
    "judge",
]

ExtractFn = Callable[[str, bytes, Mapping[str, str] | None], FileModel]

# Top-level directories whose C code can define or register migration state.
DEFAULT_SCAN_PREFIXES: tuple[str, ...] = (
    "hw/",
    "target/",
    "target-",  # target-i386/, target-ppc/ ...: the layout before QEMU 2.9
    "migration/",
    "system/",
    "include/",
    "accel/",
    "backends/",
    "net/",
    "chardev/",
    "audio/",
    "ui/",
    "block/",
    "qom/",
    # older trees (stable branches and distributions review them too): per-target
    # directories were target-<arch>/, and savevm/vl/arch_init lived at the top level
    "target-",
    "softmmu/",
    "slirp/",
    "vl.c",
    "savevm.c",
    "arch_init.c",
)
SOURCE_SUFFIXES: tuple[str, ...] = (".c", ".h")


def is_reviewable(path: str | None, prefixes: Sequence[str] = DEFAULT_SCAN_PREFIXES) -> bool:
    """True for a .c/.h file under one of `prefixes`."""
    return (
        bool(path) and str(path).endswith(SOURCE_SUFFIXES) and str(path).startswith(tuple(prefixes))
    )


def _change_reviewable(fc: FileChange, prefixes: Sequence[str]) -> bool:
    return not fc.binary and (
        is_reviewable(fc.new_path, prefixes) or is_reviewable(fc.old_path, prefixes)
    )


def _all_changes(series: Series) -> Iterator[FileChange]:
    yield from series.folded
    for p in (*series.patches, *series.merged):
        yield from p.files


def analyze(
    series: Series,
    *,
    rules: tuple[Rule, ...] | None = None,
    old_tree: TreeView | None = None,
    new_tree: TreeView | None = None,
    extract: ExtractFn | None = None,
    scan_prefixes: Sequence[str] = DEFAULT_SCAN_PREFIXES,
    release: ReleaseBaseline | None = None,
) -> Report:
    """Findings of `rules` (default: all registered) for `series`, judged as a whole.

    With `release` (the last release's tree, bot.engine.baseline) what the base has but no
    release shipped needs no compat handling: such errors and warnings become notes.
    """
    t0 = time.perf_counter()
    changed = list(_all_changes(series))
    if not any(_change_reviewable(fc, scan_prefixes) for fc in changed):
        skipped = len({fc.path for fc in changed})
        reason = (
            "no .c/.h file under " + ", ".join(scan_prefixes) + " changed"
            if changed
            else "the series changes no file"
        )
        return Report(
            series=series,
            findings=(),
            stats=Stats(
                files_skipped=skipped,
                seconds=time.perf_counter() - t0,
                skipped_reason=reason,
            ),
        )
    if rules is None:
        from rules import load_rules

        rules = load_rules()
    if extract is None:
        from bot.model.extract import extract_file

        extract = extract_file
    # The rules' tree ports, filled here: after this no rule question reaches git or a cache.
    old_paths = {fc.old_path for fc in changed if fc.old_path}
    new_paths = {fc.new_path for fc in changed if fc.new_path}
    old_view = old_tree.view(old_paths) if old_tree is not None else None
    new_view = new_tree.view(new_paths) if new_tree is not None else None
    ex = _Extractor(extract, old_view, new_view, scan_prefixes)
    version = series.head_version or series.base_version
    errors: list[str] = []

    folded = series.folded or fold_patches(series.patches)
    folded_units = ex.units(folded)
    if new_tree is not None and new_view is not None:
        # subsections listed in a changed file but defined elsewhere (their .needed facts)
        more = (
            _subsection_files(folded_units, new_view) | _stream_files(folded_units, new_view)
        ) - new_paths
        if more:
            new_view = new_tree.view(new_paths | more)
    old_tree, new_tree = old_view, new_view
    verdict, errs = run_rules(
        rules, series, folded_units, old_tree=old_tree, new_tree=new_tree, version=version,
        release=release,
    )
    errors.extend(errs)

    patch_rules = tuple(r for r in rules if r.spec.scope == "patch")

    def per_patch_runs(patches: Sequence[Patch]) -> list[tuple[Patch, tuple[Finding, ...]]]:
        out = []
        for patch in patches:
            found, errs = run_rules(
                patch_rules,
                series,
                ex.units(patch.files),
                patch=patch,
                old_tree=old_tree,
                new_tree=new_tree,
                version=version,
                release=release,
            )
            errors.extend(errs)
            out.append((patch, found))
        return out

    per_patch = per_patch_runs(series.patches) if len(series.patches) > 1 else []
    # Commits inside merged branches: only to name the commit that introduced a finding.
    inner = per_patch_runs(series.merged)

    findings = judge(series, verdict, per_patch, inner)
    return Report(
        series=series,
        findings=findings,
        stats=Stats(
            files_parsed=ex.parsed,
            seconds=time.perf_counter() - t0,
            files_skipped=len(ex.skipped),
            rule_errors=tuple(dict.fromkeys(errors)),
        ),
    )


def _text(data: bytes | None) -> str | None:
    return data.decode("utf-8", "replace") if data is not None else None


def _subsection_files(units: Sequence[FileUnit], tree: TreeView) -> set[str]:
    """Files defining the subsections that the new side of the units' vmsds list, and the
    nested descriptions their fields embed (whether that file also registers them)."""
    out: set[str] = set()
    for u in units:
        if u.new is None:
            continue
        for v in u.new.vmsds:
            refs = [*v.subsections, *(f.vmsd_ref for f in v.fields if f.vmsd_ref)]
            for sub in refs:
                if u.new.vmsd(sub) is None:
                    path = tree.vmsd_path(sub)
                    if path is not None:
                        out.add(path)
    return out


_MAX_STREAM_FILES = 8


def _stream_files(units: Sequence[FileUnit], tree: TreeView) -> set[str]:
    """Files whose hand-written stream functions (qemu_put_*/qemu_get_*) hold a pointer to a
    struct the units add members to: the code that should send the new members."""
    out: set[str] = set()
    for u in units:
        if u.new is None or u.old is None:
            continue
        before = {s.name: {m.name for m in s.members} for s in u.old.structs}
        for sd in u.new.structs:
            had = before.get(sd.name)
            if had is None or {m.name for m in sd.members} <= had:
                continue
            for name in dict.fromkeys((sd.name, *sd.aliases)):
                for path, _ in tree.stream_functions_of(name):
                    out.add(path)
                    if len(out) >= _MAX_STREAM_FILES:
                        return out
    return out


class _Defines(Mapping[str, str]):
    """Macro values for the extractor: headers changed in this unit first, then the tree."""

    def __init__(self, local: Mapping[str, str], tree: TreeView | None) -> None:
        self._local = dict(local)
        self._tree = tree

    def __getitem__(self, key: str) -> str:
        if key in self._local:
            return self._local[key]
        if self._tree is not None:
            value = self._tree.resolve_define(key)
            if value is not None:
                return value
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._local)

    def __len__(self) -> int:
        return len(self._local)

    def __bool__(self) -> bool:
        # truthy even when empty: extractors write `defines or {}`, which would drop the tree
        return bool(self._local) or self._tree is not None


class _Extractor:
    """Extracts each (path, bytes, defines) once per analyze() call."""

    def __init__(
        self,
        extract: ExtractFn,
        old_tree: TreeView | None,
        new_tree: TreeView | None,
        prefixes: Sequence[str],
    ) -> None:
        self._extract = extract
        self._trees = {"old": old_tree, "new": new_tree}
        self._prefixes = prefixes
        self._cache: dict[tuple[str, str, tuple[tuple[str, str], ...], int], FileModel] = {}
        self.parsed = 0
        self.skipped: set[str] = set()

    def _model(self, side: str, path: str, data: bytes, local: dict[str, str]) -> FileModel:
        tree = self._trees[side]
        # keyed by tree identity, not side: without trees both sides share one extraction
        key = (path, hashlib.sha1(data).hexdigest(), tuple(sorted(local.items())), id(tree))
        got = self._cache.get(key)
        if got is None:
            defines = _Defines(local, tree)
            try:
                got = self._extract(path, data, defines)
            except Exception as exc:  # extract_file must not raise; never let it kill a review
                got = FileModel(path=path, parsed=False, notes=(f"extract failed: {exc!r}",))
            self.parsed += 1
            self._cache[key] = got
        return got

    def _side_models(self, files: Sequence[FileChange], side: str) -> dict[int, FileModel]:
        """Models of one side of every reviewable file; headers first for their defines."""
        out: dict[int, FileModel] = {}
        local: dict[str, str] = {}
        ordered = sorted(range(len(files)), key=lambda i: 0 if files[i].path.endswith(".h") else 1)
        for i in ordered:
            fc = files[i]
            path = fc.old_path if side == "old" else fc.new_path
            data = fc.old if side == "old" else fc.new
            if path is None or data is None:
                continue
            model = self._model(side, path, data, local if path.endswith(".c") else {})
            out[i] = model
            if path.endswith(".h"):
                for d in model.defines:
                    if d.value is not None:
                        local.setdefault(d.name, d.value)
        return out

    def units(self, files: Sequence[FileChange]) -> tuple[FileUnit, ...]:
        """FileUnits of the reviewable files of one patch / of the folded series."""
        keep: list[FileChange] = []
        for fc in files:
            if _change_reviewable(fc, self._prefixes):
                keep.append(fc)
            else:
                self.skipped.add(fc.path)
        olds = self._side_models(keep, "old")
        news = self._side_models(keep, "new")
        units: list[FileUnit] = []
        for i, fc in enumerate(keep):
            old, new = olds.get(i), news.get(i)
            if (old is not None and not old.parsed) or (new is not None and not new.parsed):
                self.skipped.add(fc.path)  # a side we cannot read: diffing would invent changes
                continue
            changes = diff_models(fc.path, old, new, fc.old_path)
            if fc.path.endswith(".c"):
                changes += machine_setting_changes(
                    fc.path, _text(fc.old), old, _text(fc.new), new, fc.old_path
                )
                if not changes:  # a compat function's body or an init path changed
                    changes += board_change(fc.path, fc.old, fc.new, fc.old_path)
                changes += load_hook_changes(
                    fc.path, _text(fc.old), old, _text(fc.new), new, fc.old_path
                )
            hunks = fc.hunks or hunks_from_bytes(fc.old, fc.new)
            units.append(FileUnit(fc.path, fc.old_path, old, new, changes, hunks))
        kept = cancel_moves([u.changes for u in units])
        return tuple(dataclasses.replace(u, changes=c) for u, c in zip(units, kept, strict=True))
