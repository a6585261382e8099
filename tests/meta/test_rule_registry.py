"""Meta tests: the rule registry is complete and every rule has fixtures.

(python-gitlab's tests/unit/meta; pylint's deleted message ids.) The documentation format is
checked in test_rule_docs.py.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

import rules
from bot.diff.filediff import KIND_ORDER
from bot.engine.spec import RuleSpec
from bot.findings import Category, Severity

ROOT = Path(__file__).resolve().parents[2]
RULES_PKG = ROOT / "rules"
FIXTURES = ROOT / "tests" / "rules"
KINDS = set(KIND_ORDER)  # the entity kinds bot.diff produces


def _fixturelib() -> ModuleType:
    """tests/rules/fixturelib.py, loaded by path (tests/ is not a package)."""
    name = "fixturelib"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FIXTURES / "fixturelib.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _rule_files() -> list[str]:
    return sorted(
        p.stem
        for p in RULES_PKG.glob("*.py")
        if p.stem != "__init__" and not p.stem.startswith("_")
    )


MODULES = list(rules.RULE_MODULES)


def test_registry_sorted_and_unique() -> None:
    assert MODULES == sorted(MODULES), "rules.RULE_MODULES must stay sorted by module name"
    assert len(MODULES) == len(set(MODULES)), "a module is registered twice"


def test_every_rule_module_registered() -> None:
    missing = sorted(set(_rule_files()) - set(MODULES))
    assert not missing, f"rule modules not in rules.RULE_MODULES: {missing}"
    stale = sorted(set(MODULES) - set(_rule_files()))
    assert not stale, f"rules.RULE_MODULES names modules that do not exist: {stale}"


def test_ids_and_names_unique_and_not_retired() -> None:
    loaded = rules.load_rules()
    ids = [r.spec.id for r in loaded]
    names = [r.spec.name for r in loaded]
    assert len(ids) == len(set(ids)), "two rules share an id"
    assert len(names) == len(set(names)), "two rules share a name"
    reused = sorted(set(ids) & set(rules.RETIRED_IDS))
    assert not reused, f"retired ids reused: {reused}"
    assert all(re.fullmatch(r"MIG\d{3}", r) for r in rules.RETIRED_IDS)


@pytest.fixture(scope="module")
def cases_by_rule() -> dict[str, list[object]]:
    lib = _fixturelib()
    out: dict[str, list[object]] = {}
    for case in lib.discover(FIXTURES):
        out.setdefault(case.rule_dir, []).append(case)
    return out


@pytest.mark.parametrize("modname", MODULES)
def test_rule_module_contract(modname: str) -> None:
    mod = importlib.import_module(f"rules.{modname}")
    spec = getattr(mod, "RULE", None)
    assert isinstance(spec, RuleSpec), f"rules/{modname}.py: RULE must be a RuleSpec"
    assert callable(getattr(mod, "check", None)), f"rules/{modname}.py: no check()"
    assert re.fullmatch(r"MIG\d{3}", spec.id), f"{modname}: bad id {spec.id!r}"
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", spec.name), f"{modname}: bad name"
    assert spec.name.replace("-", "_") == modname, (
        f"rules/{modname}.py: module name must be the rule name with '_' ({spec.name})"
    )
    assert isinstance(spec.severity, Severity)
    assert isinstance(spec.category, Category)
    assert spec.confidence in ("high", "medium", "low")
    assert spec.scope in ("patch", "series")
    assert spec.message and spec.fix_hint
    assert set(spec.kinds) <= KINDS, f"{spec.id}: unknown kinds {set(spec.kinds) - KINDS}"


@pytest.mark.parametrize("modname", MODULES)
def test_rule_has_positive_and_negative_fixture(
    modname: str, cases_by_rule: dict[str, list[object]]
) -> None:
    spec: RuleSpec = importlib.import_module(f"rules.{modname}").RULE
    cases = cases_by_rule.get(spec.id, [])
    assert cases, f"{spec.id}: no fixtures under tests/rules/{spec.id}/"
    positive = negative = False
    for case in cases:
        ann = case.annotations()  # type: ignore[attr-defined]
        fires = any(k[0] == spec.id for k in ann.expect) or (
            # a rule that reports notes only proves itself with `// note:`
            spec.severity is Severity.NOTE and any(k[0] == spec.id for k in ann.notes)
        )
        positive = positive or fires
        # a negative case: a deliberate `ok:` for this rule, or a case where it must not fire
        negative = negative or not fires or any(k[0] == spec.id for k in ann.ok)
    assert positive, f"{spec.id}: needs a fixture with '// expect: {spec.id}' (or '// note:')"
    assert negative, f"{spec.id}: needs a negative fixture (no expect, or '// ok: {spec.id}')"


def test_fixture_dirs_name_registered_rules(cases_by_rule: dict[str, list[object]]) -> None:
    ids = {r.spec.id for r in rules.load_rules()}
    orphans = sorted(set(cases_by_rule) - ids - set(rules.RETIRED_IDS))
    assert not orphans, f"fixture directories for unregistered rules: {orphans}"
