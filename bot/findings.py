"""The one Finding type every stage after the rules and every reporter speaks."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import Enum

from bot.fixedit import DraftEdit


class Severity(str, Enum):
    """How bad a finding is; ordered error > warning > note."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        """Numeric rank for comparisons (error=3, warning=2, note=1)."""
        return {"error": 3, "warning": 2, "note": 1}[self.value]


class Category(str, Enum):
    """The category vocabulary of docs/architecture.md; a rule has exactly one."""

    FIELD_ADDED_NO_VERSION = "field-added-no-version"
    FIELD_REMOVED = "field-removed"
    FIELD_TYPE_OR_SIZE_CHANGED = "field-type-or-size-changed"
    FIELD_SEMANTICS_CHANGED = "field-semantics-changed"
    VERSION_BUMP = "version-bump"
    SUBSECTION_REMOVED_OR_RENAMED = "subsection-removed-or-renamed"
    SUBSECTION_ADDED_UNCONDITIONAL = "subsection-added-unconditional"
    NEEDED_OR_TEST_LOGIC = "needed-or-test-logic"
    VMSD_MALFORMED = "vmsd-malformed"
    SECTION_REMOVED = "section-removed"
    SECTION_ADDED = "section-added"
    SECTION_RENAMED = "section-renamed"
    QOM_REPARENT_OR_BUS_CHANGE = "qom-reparent-or-bus-change"
    INSTANCE_ID_CHANGE = "instance-id-change"
    COMPAT_PROPERTY_MISSING = "compat-property-missing"
    PROTOCOL_CHANGE = "protocol-change"
    OTHER = "other"


class Evidence(str, Enum):
    """Which layer saw the problem."""

    SOURCE = "source"
    DUMP = "dump"
    MIGRATION = "migration"


@dataclass(frozen=True, slots=True)
class EvidenceDetail:
    """What one layer saw of a problem: the source rule that fired, the dump comparison
    (machines, direction, checker) or the real migration (the destination's error)."""

    layer: Evidence
    text: str  # source: rule and place; dump: the comparator's words; migration: dest. error
    machines: tuple[str, ...] = ()
    direction: str = ""  # dump, migration: old->new, new->old or both
    checker: str = ""  # dump: builtin, upstream or builtin+upstream

    def line(self, message: str = "") -> str:
        """The detail as one line of text (text report, mail, GitLab); its text is left out
        when it only repeats `message` (the finding's own)."""
        where = [c for c in (self.checker, ", ".join(self.machines)) if c]
        if self.direction:
            where.append("both directions" if self.direction == "both" else self.direction)
        how = " (" + "; ".join(where) + ")" if where else ""
        if self.text == message:
            return f"{self.layer.value}{how}"
        said = "the destination said: " if self.layer is Evidence.MIGRATION else ""
        return f"{self.layer.value}{how}: {said}{self.text}"

    def to_json(self) -> dict[str, object]:
        """The detail as structured data (JSON report, SARIF properties)."""
        return {
            "layer": self.layer.value,
            "text": self.text,
            "machines": list(self.machines),
            "direction": self.direction,
            "checker": self.checker,
        }


@dataclass(frozen=True, slots=True)
class Waived:
    """A finding a maintainer accepted on purpose (bot.waivers): who, why, how, and the
    severity it had before it became a note."""

    by: str  # "Name <email>", "@gitlab-user" or "config"
    reason: str
    source: str  # trailer | note | mail | config
    severity: Severity

    def line(self) -> str:
        """One line for reports: `waived by X (commit trailer; was error): reason`."""
        how = {"trailer": "commit trailer", "note": "merge request note", "mail": "mail reply"}
        src = how.get(self.source, self.source)
        via = f"{src}; " if self.by != "config" else ""
        return f"waived by {self.by} ({via}was {self.severity.value}): {self.reason}"

    def to_json(self) -> dict[str, str]:
        """The waiver as structured data (JSON report, SARIF suppression)."""
        return {"by": self.by, "reason": self.reason, "source": self.source,
                "severity": self.severity.value}  # fmt: skip


_WS = re.compile(r"\s+")
_NUM = re.compile(r"\b\d+\b")


def fingerprint(rule: str, path: str, entity: str, text: str) -> str:
    """Stable id of a finding: never line numbers, so shifted lines in a v2 match v1."""
    norm = _NUM.sub("N", _WS.sub(" ", text.strip().lower()))
    raw = "\x1f".join((rule, path, entity, norm))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, with where it is, why it matters and how to fix it."""

    rule: str
    name: str
    severity: Severity
    category: Category
    confidence: str  # high | medium | low
    message: str
    fix_hint: str
    path: str
    line: int
    side: str  # old | new
    entity: str
    fix_draft: str | None = None
    doc_url: str | None = None
    patch_index: int | None = None
    commit: str | None = None
    evidence: tuple[Evidence, ...] = (Evidence.SOURCE,)
    fingerprint: str = ""
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # One entry per layer that saw the problem, when the artifact layer ran (else empty:
    # the finding itself is the only evidence).
    evidence_detail: tuple[EvidenceDetail, ...] = ()
    # Set when a waiver accepted it (then severity is note; Waived.severity is the old one).
    waived: Waived | None = None
    # Where fix_draft goes in the head tree (--verify-fix applies them), and what the
    # verification found: "fix verified from source", or why not.
    fix_edits: tuple[DraftEdit, ...] = ()
    fix_check: str | None = None

    def to_json(self) -> dict[str, object]:
        """The JSON contract of one finding; `evidence_detail` and `waived` only when set."""
        out: dict[str, object] = {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity.value,
            "category": self.category.value,
            "confidence": self.confidence,
            "message": self.message,
            "fix_hint": self.fix_hint,
            "fix_draft": self.fix_draft,
            "doc_url": self.doc_url,
            "path": self.path,
            "line": self.line,
            "side": self.side,
            "patch_index": self.patch_index,
            "commit": self.commit,
            "entity": self.entity,
            "evidence": [e.value for e in self.evidence],
            "fingerprint": self.fingerprint,
            "extra": dict(self.extra),
        }
        if self.evidence_detail:
            out["evidence_detail"] = [d.to_json() for d in self.evidence_detail]
        if self.waived is not None:
            out["waived"] = self.waived.to_json()
        if self.fix_check is not None:
            out["fix_check"] = self.fix_check
        return out
