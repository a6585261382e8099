"""Pure helpers of the pipeline: machine merge, migration merge, source mapping."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from art_dumpfix import base, clone

from bot.artifacts.compare import compare_dumps
from bot.artifacts.kinds import BWD, FWD, extra_get, make_finding
from bot.artifacts.pipeline import (
    locate_findings,
    merge_machines,
    merge_migration,
    vmsd_locator,
)
from bot.findings import Evidence, EvidenceDetail, Finding, Severity


def removed_field() -> list[Finding]:
    new = clone(base())
    del new["mydev"]["Description"]["Fields"][1]
    return list(compare_dumps(base(), new))


def test_same_problem_on_two_machines_is_one_finding() -> None:
    fs = merge_machines({"pc-i440fx-7.2": removed_field(), "pc-q35-7.2": removed_field()})
    assert len(fs) == 1 and extra_get(fs[0], "machines") == "pc-i440fx-7.2,pc-q35-7.2"


def test_migration_failure_joins_the_dump_finding_of_the_same_vmsd() -> None:
    mig = make_finding("migration", Severity.ERROR, "Unknown section 'mydev'", "migration:x",
                       section="0000:00:02.0/mydev", vmsd="mydev", directions=[FWD],
                       checker="migration", evidence=(Evidence.MIGRATION,))
    other = make_finding("migration", Severity.ERROR, "Unknown section 'zz'", "migration:y",
                         section="zz", vmsd="zz", directions=[FWD], checker="migration",
                         evidence=(Evidence.MIGRATION,))
    seen = EvidenceDetail(Evidence.MIGRATION, "Unknown section 'mydev'", ("pc-q35-7.2",), FWD)
    back = dataclasses.replace(seen, direction=BWD)
    mig = dataclasses.replace(mig, evidence_detail=(seen,))
    mig_back = dataclasses.replace(mig, evidence_detail=(back,))
    dumped = merge_machines({"pc-q35-7.2": removed_field()})
    out = merge_migration(dumped, [mig, other, mig_back])
    assert len(out) == 2
    assert out[0].evidence == (Evidence.DUMP, Evidence.MIGRATION)
    assert [d.layer for d in out[0].evidence_detail] == [Evidence.DUMP, Evidence.MIGRATION]
    assert out[0].evidence_detail[1] == dataclasses.replace(seen, direction="both")
    assert out[0].evidence_detail[0].machines == ("pc-q35-7.2",)
    assert out[1].evidence == (Evidence.MIGRATION,)


def test_vmsd_locator_and_locate(tmp_path: Path) -> None:
    (tmp_path / "hw").mkdir()
    (tmp_path / "hw" / "mydev.c").write_text(
        "#include x\n\nstatic const VMStateDescription vmstate_mydev = {\n"
        '    .name = "mydev",\n    .version_id = 3,\n};\n')
    loc = vmsd_locator(tmp_path)
    assert loc("mydev") == ("hw/mydev.c", 3) and loc("nope") is None
    (f,) = locate_findings(removed_field(), loc)
    assert (f.path, f.line) == ("hw/mydev.c", 3) and f.fingerprint
