"""`migcheck rules`: list the rules, or print one rule's documentation.

migcheck rules              id, name, severity, category, one-line summary
migcheck rules MIG002       the documentation of one rule (by id or name)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from bot.engine.runner import doc_url
from bot.engine.spec import Rule
from bot.errors import InputError
from bot.reporters.common import rule_description


def register(sub: Any) -> argparse.ArgumentParser:
    """Add the `rules` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "rules",
        help="list the rules or show one rule's documentation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "rule", nargs="?", metavar="ID|NAME", help="e.g. MIG002 or vmstate-field-removed"
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    return p


def find_rule(rules: Sequence[Rule], key: str) -> Rule:
    """The rule whose id or name is `key` (case-insensitive), or InputError."""
    k = key.strip().lower()
    for r in rules:
        if k in (r.spec.id.lower(), r.spec.name.lower(), r.spec.name.replace("-", "_").lower()):
            return r
    raise InputError(
        "no such rule", input_name=key, hint="run `migcheck rules` to list the rule ids and names"
    )


def list_text(rules: Sequence[Rule]) -> str:
    """One aligned line per rule: id, name, severity, category, summary."""
    if not rules:
        return "no rules are registered\n"
    rows = [
        (r.spec.id, r.spec.name, r.spec.severity.value, r.spec.category.value, r.spec.message)
        for r in rules
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4]
        for row in rows
    ]
    return "\n".join(lines) + "\n"


def doc_text(rule: Rule) -> str:
    """A rule's documentation with a header of its static facts."""
    s = rule.spec
    head = [
        f"{s.id} {s.name}",
        f"severity: {s.severity.value}   category: {s.category.value}   "
        f"confidence: {s.confidence}   scope: {s.scope}",
        f"summary: {s.message}",
        f"fix: {s.fix_hint}",
        f"docs: {doc_url(s.name) or f'migcheck rules {s.id}'}",
        "",
    ]
    body = rule.doc.strip()
    first, _, rest = body.partition("\n")
    if first.strip() == f"{s.id} {s.name}":  # the docstring repeats the title line
        body = rest.strip()
    return "\n".join(head) + ("\n" + body + "\n" if body else "")


def rule_json(rule: Rule) -> dict[str, object]:
    """One rule as JSON (for tooling)."""
    s = rule.spec
    return {
        "id": s.id,
        "name": s.name,
        "severity": s.severity.value,
        "category": s.category.value,
        "confidence": s.confidence,
        "scope": s.scope,
        "summary": s.message,
        "description": rule_description(rule),
        "fix_hint": s.fix_hint,
        "doc_url": doc_url(s.name),
        "doc": rule.doc,
    }


def run(args: argparse.Namespace, rules: Sequence[Rule] | None = None) -> int:
    """Print the rule list or one rule's documentation."""
    if rules is None:
        from rules import load_rules

        rules = load_rules()
    if args.rule:
        rule = find_rule(rules, args.rule)
        if args.format == "json":
            out = json.dumps(rule_json(rule), indent=2, ensure_ascii=False) + "\n"
        else:
            out = doc_text(rule)
    elif args.format == "json":
        out = json.dumps([rule_json(r) for r in rules], indent=2, ensure_ascii=False) + "\n"
    else:
        out = list_text(rules)
    sys.stdout.write(out)
    return 0
