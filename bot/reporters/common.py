"""Helpers shared by the reporters: rule documentation pieces and severity counting."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bot.engine.spec import Rule
from bot.findings import Finding, Severity, fingerprint

_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$")


def doc_sections(doc: str) -> dict[str, str]:
    """A rule docstring split at its Markdown headings: {"What it flags": "...", ...}.

    Text before the first heading is stored under "" (usually "MIG002 rule-name").
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


def rule_description(rule: Rule) -> str:
    """The 'What it flags' paragraph of a rule's doc (else its spec message)."""
    what = doc_sections(rule.doc).get("What it flags", "")
    return one_paragraph(what) if what else rule.spec.message


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
