"""Kinds of artifact problems and how they become Findings (rule id, name, category, hint).

Dump differences reuse the source rules' ids where one exists, so the caller can merge a dump
finding with the source finding for the same problem (one finding, evidence source+dump).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.findings import Category, Evidence, Finding, Severity, fingerprint
from bot.redact import shown

FWD = "old->new"
BWD = "new->old"
# Caps on texts that come from untrusted builds, binaries and dumps.
MESSAGE_CHARS = 4000
ENTITY_CHARS = 300
EXTRA_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Kind:
    """Static description of one kind of artifact problem."""

    rule: str
    name: str
    category: Category
    fix_hint: str


KINDS: dict[str, Kind] = {
    "field-added": Kind(
        "MIG001", "vmstate-field-added-no-version", Category.FIELD_ADDED_NO_VERSION,
        "Put the new field in a subsection whose .needed is tied to a compat property "
        "(hw_compat_X_Y), with defaults in pre_load.",
    ),
    "field-removed": Kind(
        "MIG002", "vmstate-field-removed", Category.FIELD_REMOVED,
        "Replace the field with VMSTATE_UNUSED(<wire size>) so the layout stays the same.",
    ),
    "field-size": Kind(
        "MIG003", "vmstate-field-type-or-size-changed", Category.FIELD_TYPE_OR_SIZE_CHANGED,
        "Keep the wire width (VMSTATE_WITH_TMP or pre_save/post_load conversion), or gate "
        "the new layout by a compat property.",
    ),
    "field-moved": Kind(
        "MIG003", "vmstate-field-type-or-size-changed", Category.FIELD_TYPE_OR_SIZE_CHANGED,
        "Do not reorder VMState fields: the stream is positional.",
    ),
    "field-renamed": Kind(
        "ART001", "dump-field-renamed", Category.FIELD_SEMANTICS_CHANGED,
        "A same-size rename is wire-compatible; check the field still holds the same data.",
    ),
    "field-test": Kind(
        "MIG015", "field-test-or-needed-changed", Category.NEEDED_OR_TEST_LOGIC,
        "A _TEST predicate must be false for every machine type the old binary supports "
        "(tie it to a compat property).",
    ),
    "version": Kind(
        "MIG004", "vmsd-version-bump", Category.VERSION_BUMP,
        "Keep version_id and add state in a subsection gated by a compat property; raise "
        "minimum_version_id only when the machine types producing the old version are gone.",
    ),
    "subsection-removed": Kind(
        "MIG005", "subsection-removed-or-renamed", Category.SUBSECTION_REMOVED_OR_RENAMED,
        "Keep the subsection (VMSTATE_UNUSED fields, .needed returning false) so old "
        "streams still load.",
    ),
    "subsection-added": Kind(
        "MIG006", "subsection-added-unconditional", Category.SUBSECTION_ADDED_UNCONDITIONAL,
        "Tie the subsection's .needed to a property that hw_compat_X_Y turns off.",
    ),
    "subsection-duplicate": Kind(
        "MIG008", "vmsd-duplicate-subsections", Category.VMSD_MALFORMED,
        "Give every subsection a unique name: the destination loads the first match.",
    ),
    "section-removed": Kind(
        "MIG020", "section-removed", Category.SECTION_REMOVED,
        "Keep the device type (or register a dummy vmstate entry) for old machine types.",
    ),
    "section-renamed": Kind(
        "MIG021", "section-renamed", Category.SECTION_RENAMED,
        "Keep the VMStateDescription name: it is part of the section idstr on the wire.",
    ),
    "section-added": Kind(
        "MIG024", "section-added", Category.SECTION_ADDED,
        "A new device type is fine; make sure no existing machine type instantiates it.",
    ),
    "machine": Kind(
        "ART002", "dump-machine-mismatch", Category.OTHER,
        "Compare dumps taken with the same -M machine type.",
    ),
    "migration": Kind(
        "ART010", "migration-failed", Category.OTHER,
        "Reproduce with the command lines in the message and look at the named section.",
    ),
    "upstream": Kind(
        "ART020", "upstream-checker-report", Category.OTHER,
        "See scripts/vmstate-static-checker.py's message.",
    ),
}


def direction_text(dirs: Iterable[str]) -> str:
    """'both', 'old->new' or 'new->old' (or 'none' for notes)."""
    s = set(dirs)
    if s >= {FWD, BWD}:
        return "both"
    if s:
        return next(iter(s))
    return "none"


def make_finding(
    kind: str,
    severity: Severity,
    message: str,
    entity: str,
    *,
    section: str,
    vmsd: str,
    directions: Iterable[str],
    checker: str = "builtin",
    evidence: tuple[Evidence, ...] = (Evidence.DUMP,),
    confidence: str = "high",
    side: str = "new",
    extra: tuple[tuple[str, str], ...] = (),
) -> Finding:
    """Build one artifact Finding; `extra` carries section, vmsd, direction and checker.

    Every text here may come from a build, a QEMU binary or a dump of the reviewed series:
    it is redacted and capped before it can reach a note, a mail or the state DB."""
    k = KINDS[kind]
    message = shown(message, MESSAGE_CHARS)
    entity = shown(entity, ENTITY_CHARS)
    extra = tuple((key, shown(value, EXTRA_CHARS)) for key, value in extra)
    section, vmsd = shown(section, ENTITY_CHARS), shown(vmsd, ENTITY_CHARS)
    return Finding(
        rule=k.rule,
        name=k.name,
        severity=severity,
        category=k.category,
        confidence=confidence,
        message=message,
        fix_hint=k.fix_hint,
        path="",
        line=0,
        side=side,
        entity=entity,
        evidence=evidence,
        fingerprint=fingerprint(k.rule, "", entity, message),
        extra=(
            ("kind", kind),
            ("section", section),
            ("vmsd", vmsd),
            ("direction", direction_text(directions)),
            ("checker", checker),
            *extra,
        ),
    )


def extra_get(f: Finding, key: str, default: str = "") -> str:
    """Value of `key` in a finding's extra pairs."""
    for k, v in f.extra:
        if k == key:
            return v
    return default
