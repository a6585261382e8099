"""Series fold and judgment: compose patches into base->head, judge the series as a whole.

The folded base->head run is the verdict; per-patch runs only say which patch introduced a
finding and which patches are not bisectable (broken, then repaired later in the series).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from bot.engine.runner import sort_findings
from bot.findings import Finding, Severity, fingerprint
from bot.series import FileChange, Patch, Series, hunks_from_bytes


def judge(
    series: Series,
    verdict: Iterable[Finding],
    per_patch: Sequence[tuple[Patch, Sequence[Finding]]],
) -> tuple[Finding, ...]:
    """Series judgment: folded findings are the verdict, attributed to the patch that
    introduced them; per-patch problems repaired later become "not bisectable" notes."""
    verdict = tuple(verdict)
    introduced_by: dict[str, tuple[Patch, Finding]] = {}
    for patch, found in per_patch:
        for f in found:
            introduced_by[f.fingerprint] = (patch, f)  # the last patch with it wins
    out: list[Finding] = []
    seen: set[str] = set()
    for f in verdict:
        if f.fingerprint in seen:
            continue
        seen.add(f.fingerprint)
        hit = introduced_by.get(f.fingerprint)
        if hit is not None:
            owner, pf = hit
            # where it sits in that patch's own post-image (mail replies quote the patch)
            extra = (*f.extra, ("patch_line", str(pf.line)), ("patch_side", pf.side))
            f = dataclasses.replace(f, patch_index=owner.index, commit=owner.commit, extra=extra)
        else:
            fallback = _last_patch_touching(series, f.path)
            if fallback is not None:
                f = dataclasses.replace(f, patch_index=fallback.index, commit=fallback.commit)
        out.append(f)
    folded_fps = {f.fingerprint for f in verdict}
    for patch, found in per_patch:
        for f in found:
            if f.fingerprint in folded_fps or f.severity is Severity.NOTE:
                continue
            text = f"not bisectable: {f.message}"
            fp = fingerprint(f.rule, f.path, f.entity, text)
            if fp in seen:
                continue
            seen.add(fp)
            out.append(
                dataclasses.replace(
                    f,
                    severity=Severity.NOTE,
                    message=(
                        f"patch {patch.index} is not bisectable: {f.message} "
                        "(repaired later in the series)"
                    ),
                    patch_index=patch.index,
                    commit=patch.commit,
                    fingerprint=fp,
                )
            )
    return tuple(sort_findings(out))


def _last_patch_touching(series: Series, path: str) -> Patch | None:
    if len(series.patches) == 1:
        return series.patches[0]
    for patch in reversed(series.patches):
        if any(path in (fc.new_path, fc.old_path) for fc in patch.files):
            return patch
    return None


@dataclasses.dataclass(slots=True)
class _Fold:
    old_path: str | None
    old: bytes | None
    new_path: str | None = None
    new: bytes | None = None
    binary: bool = False


def fold_patches(patches: Sequence[Patch]) -> tuple[FileChange, ...]:
    """The base->head change per file composed from the patches (renames followed)."""
    entries: dict[str, _Fold] = {}  # keyed by the file's current path
    order: list[str] = []
    for patch in patches:
        for fc in patch.files:
            entry = entries.pop(fc.old_path or fc.new_path or "", None)
            if entry is None:
                entry = _Fold(fc.old_path, fc.old)
            entry.new_path, entry.new = fc.new_path, fc.new
            entry.binary = entry.binary or fc.binary
            cur = fc.new_path or fc.old_path or ""
            entries[cur] = entry
            if cur not in order:
                order.append(cur)
    out: list[FileChange] = []
    for cur in order:
        e = entries.get(cur)
        if e is None or (e.old is None and e.new is None):
            continue  # renamed away, or added then deleted within the series
        if e.old == e.new and e.old_path == e.new_path:
            continue
        out.append(
            FileChange(
                old_path=e.old_path if e.old is not None else None,
                new_path=e.new_path if e.new is not None else None,
                old=e.old,
                new=e.new,
                hunks=() if e.binary else hunks_from_bytes(e.old, e.new),
                binary=e.binary,
            )
        )
    return tuple(out)
