"""Helpers shared by the reporters: rule documentation pieces and severity counting."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bot.engine.spec import Rule
from bot.findings import Finding, Severity, fingerprint

# The headings of every rule's documentation, in this order: each on a
# line of its own, in asterisks (`*Why it breaks migration*`), as ruff's rule docs do.
DOC_HEADINGS = ("What it flags", "Why it breaks migration", "Example", "Instead", "References")
_HEADING = re.compile(r"^\*([^*]+)\*\s*$")


def doc_sections(doc: str) -> dict[str, str]:
    """A rule docstring split at its `*Heading*` lines: {"What it flags": "...", ...}.

    Text before the first heading is stored under "" ("MIG002 rule-name: summary").
    """
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in doc.splitlines():
        m = _HEADING.match(line)
        if m:
            current = m.group(1).strip()
            sections.setdefault(current, [])
            continue
        sections[current].append(line)
    return {k: "\n".join(v).strip() for k, v in sections.items()}


def one_paragraph(text: str) -> str:
    """The first paragraph of `text` folded onto one line."""
    para = text.strip().split("\n\n", 1)[0]
    return " ".join(para.split())


def rule_why(rule: Rule) -> str:
    """The first paragraph of a rule's 'Why it breaks migration' on one line ('' if none)."""
    return one_paragraph(doc_sections(rule.doc).get("Why it breaks migration", ""))


def rule_description(rule: Rule) -> str:
    """What a rule flags and why that breaks migration: the first paragraph of each section
    on one line (else the spec message)."""
    sections = doc_sections(rule.doc)
    parts = [one_paragraph(sections.get(h, "")) for h in DOC_HEADINGS[:2]]
    text = " ".join(p for p in parts if p)
    return text or rule.spec.message


def finding_fingerprint(f: Finding) -> str:
    """The finding's fingerprint, computed the standard way when the producer left it empty."""
    return f.fingerprint or fingerprint(f.rule, f.path, f.entity, f.message)


def count_by_severity(findings: Iterable[Finding]) -> dict[Severity, int]:
    """How many findings of each severity (every severity present as a key)."""
    counts = dict.fromkeys(Severity, 0)
    for f in findings:
        counts[f.severity] += 1
    return counts


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 error', '2 errors' ('1 patch', '2 patches' with many="patches")."""
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"


def rules_by_id(rules: Sequence[Rule] | None) -> dict[str, Rule]:
    """Registered rules keyed by id (loads the registry when `rules` is None)."""
    if rules is None:
        from rules import load_rules

        rules = load_rules()
    return {r.spec.id: r for r in rules}
