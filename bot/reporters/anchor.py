"""Where a finding sits in the whole base..head change, for reporters that annotate one diff.

A finding points at one patch's old or new side. GitLab discussions need the line in the
base..head diff (`anchor`); Code Quality and SARIF annotate the head's files, so an old-side
finding (a removed field, say) is carried to the nearest line of the new file
(`head_location`) instead of keeping a line number of a file that no longer looks like that.
"""

from __future__ import annotations

from bot.diff.linemap import LineMap
from bot.findings import Finding
from bot.series import FileChange, Series, hunks_from_bytes


def file_hunks(fc: FileChange) -> LineMap:
    """The line map of one file change (its hunks, or computed from its contents)."""
    return LineMap(fc.hunks or hunks_from_bytes(fc.old, fc.new))


def anchor(f: Finding, series: Series) -> tuple[str, int, str] | None:
    """(path, line, side) of a finding in the base..head diff: a patch's new-side line is
    carried forward through the later patches, an old-side line back through the earlier
    ones. None when a later/earlier patch rewrote that very line."""
    line = f.line
    path = f.path
    if f.patch_index is None or line <= 0:
        return (path, line, f.side) if line > 0 else None
    patches = list(series.patches)
    if f.side == "new":
        for p in patches:
            if p.index <= f.patch_index:
                continue
            for fc in p.files:
                if fc.old_path == path and fc.new_path is not None:
                    mapped = file_hunks(fc).old_to_new(line)
                    if mapped is None:
                        return None
                    line, path = mapped, fc.new_path
                    break
                if fc.old_path == path and fc.new_path is None:
                    return None
        return path, line, "new"
    for p in reversed(patches):
        if p.index >= f.patch_index:
            continue
        for fc in p.files:
            if fc.new_path == path:
                if fc.old_path is None:
                    return None  # the file did not exist at the base
                mapped = file_hunks(fc).new_to_old(line)
                if mapped is None:
                    return None
                line, path = mapped, fc.old_path
                break
    return path, line, "old"


def head_location(f: Finding, series: Series) -> tuple[str, int]:
    """(path, line) in the head's files: new-side lines carried to the head, old-side lines
    to the nearest line of the file's head version (a deleted file keeps its old path)."""
    where = anchor(f, series)
    if where is None:
        extra = dict(f.extra)
        if f.side == "old" and extra.get("new_line", "").isdigit():
            return f.path, max(1, int(extra["new_line"]))
        return f.path, max(1, f.line)
    path, line, side = where
    if side == "new":
        return path, max(1, line)
    for fc in series.folded:
        if fc.old_path == path:
            if fc.new_path is None:
                return path, max(1, line)
            mapped = file_hunks(fc).old_to_new(line, exact=False)
            return fc.new_path, max(1, mapped if mapped is not None else line)
    return path, max(1, line)
