"""The rule fixture harness: every tests/rules/<ID>/<case> against every registered rule.

Expected findings come from `// expect:` comments (see fixturelib.py); actual findings from
analyze() on a one-patch Series. Both are multisets keyed by (rule, side, path, line) and
must match both ways. `todo-expect` / `todo-ok` are strict xfails.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from fixturelib import Case, all_files, compare, discover

from bot.analyze import analyze
from bot.engine.spec import ReleaseBaseline, Rule, TreeView
from bot.model.entities import FileModel
from rules import load_rules

CASES = list(discover())


def _extract(path: str, data: bytes, defines: Mapping[str, str] | None = None) -> FileModel:
    from bot.model.extract import extract_file

    return extract_file(path, data, defines)


def _trees(case: Case) -> tuple[TreeView | None, TreeView | None]:
    """Whole-tree views of a multi-file case (old/ and new/ subtrees); None for one file."""
    if not case.multi:
        return None, None
    from bot.model.tree import TreeIndex

    sides: list[TreeView | None] = []
    for i in (0, 1):
        models = {}
        for path, pair in all_files(case).items():
            data = pair[i]
            if data is not None and path.endswith((".c", ".h")):
                models[path] = _extract(path, data)
        sides.append(TreeIndex.from_models(models) if models else None)
    return sides[0], sides[1]


def _release(case: Case) -> ReleaseBaseline | None:
    """The case's last release (`<case>.release.c` or `<case>/release/`), if it has one."""
    if case.release is None:
        return None
    from bot.model.tree import TreeIndex

    models = {p: _extract(p, d) for p, d in case.release.items() if p.endswith((".c", ".h"))}
    index = TreeIndex.from_models(models)
    return ReleaseBaseline(case.release_version, "2" * 40, index.view(models))


@pytest.fixture(scope="module")
def all_rules() -> tuple[Rule, ...]:
    return load_rules()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fixture(case: Case, all_rules: tuple[Rule, ...]) -> None:
    ann = case.annotations()
    if not case.files:
        pytest.fail(f"{case.id}: old and new are identical; a fixture must change something")
    unknown = sorted(ann.mentions() - {r.spec.id for r in all_rules})
    if unknown:
        pytest.fail(f"{case.id}: annotations name unregistered rules: {', '.join(unknown)}")
    old_tree, new_tree = _trees(case)
    report = analyze(
        case.series(), rules=all_rules, old_tree=old_tree, new_tree=new_tree, extract=_extract,
        release=_release(case),
    )
    assert report.stats.rule_errors == (), f"{case.id}: rules crashed: {report.stats.rule_errors}"
    assert report.stats.skipped_reason is None, (
        f"{case.id}: skipped ({report.stats.skipped_reason}); set // fixture-path: hw/..."
    )
    failures, xfails = compare(ann, report.findings)
    if failures:
        pytest.fail(f"{case.id} ({case.source}):\n" + "\n".join(failures), pytrace=False)
    if xfails:
        pytest.xfail(f"{case.id}: " + "\n".join(xfails))
