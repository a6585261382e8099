"""Rule registry: an explicit, sorted tuple of rule modules. A meta test checks it is complete.

Retired ids are never reused; list them in RETIRED_IDS.
"""

from __future__ import annotations

import importlib

from bot.engine.spec import Rule

# Sorted by module name. One module per rule; see docs/architecture.md "A rule".
RULE_MODULES: tuple[str, ...] = ()

RETIRED_IDS: tuple[str, ...] = ()


def load_rules() -> tuple[Rule, ...]:
    """Import every registered rule module and return its Rule, sorted by id."""
    out: list[Rule] = []
    for modname in RULE_MODULES:
        mod = importlib.import_module(f"rules.{modname}")
        out.append(Rule(spec=mod.RULE, check=mod.check, doc=(mod.__doc__ or "").strip()))
    return tuple(sorted(out, key=lambda r: r.spec.id))
