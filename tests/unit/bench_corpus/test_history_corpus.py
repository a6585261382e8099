"""The shipped migration corpus is well-formed and bench/history_corpus.py refuses a bad one."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "bench" / "corpus"


def _load() -> ModuleType:
    sys.path.insert(0, str(ROOT / "bench"))  # the script imports its sibling golden_reports
    spec = importlib.util.spec_from_file_location(
        "history_corpus", ROOT / "bench" / "history_corpus.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


hc = _load()


def test_split_rule_is_the_documented_formula() -> None:
    for sha in ("b9d03e352cb6", "1c380f946052", "0123456789ab"):
        n = int(hashlib.sha256((sha + "migcheck-holdout").encode()).hexdigest()[:8], 16)
        assert hc.split_of(sha) == ("holdout" if n % 10 < 3 else "tune")
    assert hc.split_of("1c380f946052") == "holdout"
    assert hc.split_of("b9d03e352cb6") == "tune"


def test_shipped_corpus_is_consistent() -> None:
    breaks = hc.read_tsv(CORPUS / "breaks.tsv", hc.BREAK_COLUMNS, hc.CATEGORIES, "category")
    safe = hc.read_tsv(CORPUS / "safe.tsv", hc.SAFE_COLUMNS, hc.KINDS, "kind")
    assert len(breaks) >= 120 and len(safe) >= 250
    assert not {r["sha"] for r in breaks} & {r["sha"] for r in safe}
    assert all(r["fixed_by"] != r["sha"] and len(r["fixed_by"]) == 12 for r in breaks)
    assert all(r["reason"].strip() for r in breaks + safe)
    years = {r["date"][:4] for r in breaks + safe}
    assert {"2012", "2025"} <= years


def test_refuses_a_split_column_that_disagrees(tmp_path: Path) -> None:
    lines = (CORPUS / "breaks.tsv").read_text().splitlines()
    cols = lines[1].split("\t")
    cols[4] = "holdout" if cols[4] == "tune" else "tune"
    bad = tmp_path / "breaks.tsv"
    bad.write_text("\n".join([lines[0], "\t".join(cols)]) + "\n")
    with pytest.raises(hc.CorpusError, match="split"):
        hc.read_tsv(bad, hc.BREAK_COLUMNS, hc.CATEGORIES, "category")


def test_refuses_unknown_category_and_bad_header(tmp_path: Path) -> None:
    sha = "b9d03e352cb6"
    bad = tmp_path / "breaks.tsv"
    bad.write_text(
        "\t".join(hc.BREAK_COLUMNS) + f"\n{sha}\t4ea375bf37d6\t2012-04-25\tnope\ttune\tx\n"
    )
    with pytest.raises(hc.CorpusError, match="vocabulary"):
        hc.read_tsv(bad, hc.BREAK_COLUMNS, hc.CATEGORIES, "category")
    bad.write_text("sha\tdate\n")
    with pytest.raises(hc.CorpusError, match="header"):
        hc.read_tsv(bad, hc.BREAK_COLUMNS, hc.CATEGORIES, "category")
