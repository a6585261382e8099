"""Pure comparator of two `-dump-vmstate` JSON dumps, written from the wire semantics.

What the destination accepts (migration-domain.md §1.5): a section or subsection whose incoming
version lies in [minimum_version_id, version_id]; fields gated by `version_id <= incoming` (or by
their _TEST predicate alone when `field_exists`); nested VMSTATE_STRUCT descriptions carry no
version on the wire, each side uses its own; an unknown subsection is fatal, a missing one is
not. Both directions are modelled (old->new and new->old) and every problem is reported once with
the directions it really breaks. Differences from the upstream scripts/vmstate-static-checker.py:
array `num` is compared, nested-struct versions and names are not treated as wire data, QOM type
renames that keep the VMSD are notes, duplicate subsection names are paired by occurrence, and a
Description is not abandoned at its first difference.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.artifacts.allowlists import AllowLists
from bot.artifacts.kinds import BWD, FWD, make_finding
from bot.errors import InputError
from bot.findings import Finding, Severity

Json = Mapping[str, Any]
MACHINE_KEY = "vmschkmachine"


DUMP_MAX_BYTES = 64 * 1024 * 1024  # real dumps are 1-5 MB
_DUMP_HINT = "pass the file written by qemu-system-* -dump-vmstate FILE"


def load_dump(path: str | Path) -> dict[str, Any]:
    """Read and validate a -dump-vmstate JSON file; InputError when unreadable or malformed."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = f.read(DUMP_MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read dump: {exc.strerror}", input_name=str(p),
                         hint=_DUMP_HINT) from exc
    return parse_dump(data, str(p))


def parse_dump(data: bytes, name: str) -> dict[str, Any]:
    """A validated dump from the bytes of a -dump-vmstate file; InputError naming `name`."""
    if len(data) > DUMP_MAX_BYTES:
        raise InputError(f"dump is larger than {DUMP_MAX_BYTES} bytes", input_name=name,
                         hint=_DUMP_HINT)
    try:
        parsed = json.loads(data.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON ({exc.msg} at line {exc.lineno})", input_name=name,
                         hint=_DUMP_HINT) from exc
    except RecursionError as exc:
        raise InputError("JSON nested too deeply", input_name=name, hint=_DUMP_HINT) from exc
    validate_dump(parsed, name)
    assert isinstance(parsed, dict)
    return parsed


def validate_dump(data: object, name: str = "dump") -> None:
    """Check the shape of a dump (sections with version ids); InputError naming the bad key."""
    hint = "expected the JSON object written by -dump-vmstate"
    if not isinstance(data, dict):
        raise InputError("top level is not a JSON object", input_name=name, hint=hint)
    for key, sec in data.items():
        if key == MACHINE_KEY:
            continue
        if not isinstance(sec, dict) or not isinstance(sec.get("Description", {}), dict):
            raise InputError(f"section {key!r} is not an object with a Description",
                             input_name=name, hint=hint)
        desc = sec.get("Description", sec)
        for k in ("version_id", "minimum_version_id"):
            if not isinstance(desc.get(k, sec.get(k, 0)), int):
                raise InputError(f"section {key!r}: {k} is not an integer",
                                 input_name=name, hint=hint)


@dataclass
class _Prob:
    kind: str
    severity: Severity
    message: str
    entity: str
    section: str
    vmsd: str
    side: str
    confidence: str
    dirs: set[str] = field(default_factory=set)
    description: str = ""  # wire name of the Description the problem is in (ctx.path)


@dataclass
class _Ctx:
    section: str
    top: str  # top-level VMSD name (the idstr component)
    path: str  # chain of Description names for the entity


def _fields(desc: Json) -> list[Json]:
    f = desc.get("Fields", [])
    return [x for x in f if isinstance(x, dict)] if isinstance(f, list) else []


def _subs(desc: Json) -> list[Json]:
    s = desc.get("Subsections", [])
    return [x for x in s if isinstance(x, dict)] if isinstance(s, list) else []


def _v(d: Json, key: str = "version_id") -> int:
    v = d.get(key, 0)
    return v if isinstance(v, int) else 0


def _name(d: Json, key: str = "name") -> str:
    return str(d.get(key, "?"))


def _num(f: Json) -> int:
    n = f.get("num", 1)
    return n if isinstance(n, int) else 1


def _bytes(f: Json) -> int:
    """Wire bytes of a plain field (element size x num; older dumps lack num)."""
    return _v(f, "size") * _num(f)


def _effective(fields: Sequence[Json], incoming: int) -> list[Json]:
    """Fields read/written at `incoming` version: a _TEST predicate is the solo truth."""
    return [f for f in fields if f.get("field_exists") is True or _v(f) <= incoming]


def _leaves(fields: Sequence[Json]) -> list[Json] | None:
    """Open single (num<=1) nested structs into their leaf fields; None when not possible."""
    out: list[Json] = []
    for f in fields:
        nested = f.get("Description")
        if isinstance(nested, dict):
            if _num(f) != 1 or _subs(nested):
                return None
            sub = _leaves(_effective(_fields(nested), _v(nested)))
            if sub is None:
                return None
            out.extend(sub)
        else:
            out.append(f)
    return out


class _Comparator:
    """Accumulates problems of one dump pair; one instance per compare_dumps call."""

    def __init__(self, allow: AllowLists) -> None:
        self.allow = allow
        self.probs: dict[tuple[str, str, str], _Prob] = {}

    def add(self, ctx: _Ctx, kind: str, detail: str, severity: Severity, message: str,
            entity: str, dirs: set[str], *, side: str = "new", confidence: str = "high") -> None:
        key = (kind, entity, detail)
        p = self.probs.get(key)
        if p is None:
            p = _Prob(kind, severity, message, entity, ctx.section, ctx.top, side, confidence,
                      description=ctx.path)
            self.probs[key] = p
        p.dirs |= dirs

    # ---- sections -------------------------------------------------------------------------
    def run(self, old: Json, new: Json) -> None:
        om, nm = old.get(MACHINE_KEY), new.get(MACHINE_KEY)
        if isinstance(om, dict) and isinstance(nm, dict) and om.get("Name") != nm.get("Name"):
            ctx = _Ctx(MACHINE_KEY, "", MACHINE_KEY)
            self.add(ctx, "machine", "", Severity.NOTE,
                     f'dumps were taken with different machine types: "{om.get("Name")}" '
                     f'and "{nm.get("Name")}"', MACHINE_KEY, set())
        old_keys = [k for k in old if k != MACHINE_KEY]
        new_keys = {k for k in new if k != MACHINE_KEY}
        removed: list[str] = []
        matched: set[str] = set()
        for key in old_keys:
            nkey = key if key in new_keys else self.allow.section_alias(key)
            if nkey is None or nkey not in new_keys:
                removed.append(key)
                continue
            matched.add(nkey)
            self.section(key, old[key], new[nkey])
        added = sorted(new_keys - matched)
        # A QOM type rename keeps the VMSD name (the idstr): pair by VMSD name and compare.
        by_vmsd: dict[str, list[str]] = {}
        for key in added:
            by_vmsd.setdefault(_name(self._desc(new[key])), []).append(key)
        for key in removed:
            vname = _name(self._desc(old[key]))
            cands = by_vmsd.get(vname, [])
            ctx = _Ctx(key, vname, vname)
            if cands:
                nkey = cands.pop(0)
                added.remove(nkey)
                self.add(ctx, "section-renamed", nkey, Severity.NOTE,
                         f'Section "{key}" is now "{nkey}" (QOM type renamed); the VMSD '
                         f'"{vname}" is unchanged, so the wire idstr is the same',
                         key, set(), confidence="medium")
                self.section(key, old[key], new[nkey])
            else:
                self.add(ctx, "section-removed", "", Severity.ERROR,
                         f'Section "{key}" (VMSD "{vname}") does not exist in the new dump: an '
                         f"old source with this device fails with \"Unknown section or "
                         f"instance '{vname}'\"", key, {FWD}, side="old", confidence="medium")
        for key in added:
            vname = _name(self._desc(new[key]))
            self.add(_Ctx(key, vname, vname), "section-added", "", Severity.NOTE,
                     f'Section "{key}" (VMSD "{vname}") is new; migrating to the old binary '
                     f"fails if a machine type instantiates it", key, {BWD},
                     confidence="low")

    @staticmethod
    def _desc(sec: Json) -> Json:
        """The top-level Description with the section-level version ids (the idstr's)."""
        d = sec.get("Description")
        base: dict[str, Any] = dict(d) if isinstance(d, dict) else {"name": sec.get("Name", "?")}
        for k in ("version_id", "minimum_version_id"):
            if isinstance(sec.get(k), int):
                base.setdefault(k, sec[k])
                base["section_" + k] = sec[k]
        return base

    def section(self, key: str, old_sec: Json, new_sec: Json) -> None:
        od, nd = self._desc(old_sec), self._desc(new_sec)
        oname, nname = _name(od), _name(nd)
        ctx = _Ctx(key, oname, oname)
        ohas, nhas = isinstance(old_sec.get("Description"), dict), isinstance(
            new_sec.get("Description"), dict)
        if ohas != nhas:
            which = "new" if ohas else "old"
            self.add(ctx, "field-removed" if ohas else "field-added", "description",
                     Severity.ERROR, f'Section "{key}": the {which} dump has no Description '
                     f"(no fields) while the other has one", f"{key}/{oname}", {FWD, BWD})
            return
        if not self.allow.fields_match(key, oname, nname):
            self.add(ctx, "section-renamed", nname, Severity.ERROR,
                     f'Section "{key}": VMSD renamed "{oname}" -> "{nname}"; the section '
                     f"idstr changes, so the destination reports \"Unknown section or "
                     f"instance\"", f"{key}/{oname}", {FWD, BWD})
            return
        self.versioned(ctx, od, nd)

    # ---- descriptions carrying a version on the wire (sections, subsections) ----------------
    def versioned(self, ctx: _Ctx, od: Json, nd: Json) -> None:
        ov, omin, nv, nmin = _v(od), _v(od, "minimum_version_id"), _v(nd), _v(
            nd, "minimum_version_id")
        entity = f"{ctx.section}/{ctx.path}"
        bad: set[str] = set()
        checks = [(ov, omin, nv, nmin)]
        if "section_version_id" in od and "section_version_id" in nd:
            # Real dumps repeat the VMSD's ids at section level; a hand-edited one may not.
            checks.append((_v(od, "section_version_id"), _v(od, "section_minimum_version_id"),
                           _v(nd, "section_version_id"), _v(nd, "section_minimum_version_id")))
        for a, amin, b, bmin in checks:
            if (a, amin) == (b, bmin):
                continue  # unchanged ids are no regression (even when a dump is malformed)
            if a > b or a < bmin:
                bad.add(FWD)
            if b > a or b < amin:
                bad.add(BWD)
        if bad:
            sev = Severity.ERROR if FWD in bad else Severity.WARNING
            why = []
            if FWD in bad:
                why.append(f"old->new: incoming version {ov} is outside the new binary's "
                           f"[{nmin}, {nv}] (\"version_id mismatch\" / too old)")
            if BWD in bad:
                why.append(f"new->old: incoming version {nv} is outside the old binary's "
                           f"[{omin}, {ov}]")
            if len(checks) > 1 and checks[1] != checks[0]:
                a, amin, b, bmin = checks[1]
                why.append(f"section-level ids {a} (min {amin}) -> {b} (min {bmin})")
            self.add(ctx, "version", "", sev,
                     f'Section "{ctx.section}" Description "{ctx.path}": version '
                     f"{ov} (min {omin}) -> {nv} (min {nmin}); " + "; ".join(why),
                     entity, bad)
        if FWD not in bad:
            self.fields(ctx, _effective(_fields(od), ov), _effective(_fields(nd), ov), {FWD})
        if BWD not in bad:
            self.fields(ctx, _effective(_fields(od), nv), _effective(_fields(nd), nv), {BWD})
        ok = {FWD, BWD} - bad
        if ok:
            self.subsections(ctx, _subs(od), _subs(nd), ok)

    # ---- subsections ------------------------------------------------------------------------
    def subsections(self, ctx: _Ctx, olds: list[Json], news: list[Json], dirs: set[str]) -> None:
        def keyed(subs: list[Json]) -> dict[tuple[str, int], Json]:
            seen: dict[str, int] = {}
            out: dict[tuple[str, int], Json] = {}
            for s in subs:
                n = _name(s)
                i = seen.get(n, 0)
                seen[n] = i + 1
                out[(n, i)] = s
            return out

        ok, nk = keyed(olds), keyed(news)
        only_old = [k for k in ok if k not in nk]
        only_new = [k for k in nk if k not in ok]
        for k in ok:
            if k in nk:
                sub_ctx = _Ctx(ctx.section, ctx.top, k[0])
                self.versioned(sub_ctx, ok[k], nk[k])
        old_names = {k[0] for k in ok}
        for k in list(only_new):
            if k[0] in old_names and k[1] > 0:
                only_new.remove(k)
                self.add(ctx, "subsection-duplicate", k[0], Severity.WARNING,
                         f'Section "{ctx.section}" Description "{ctx.path}": subsection name '
                         f'"{k[0]}" now appears {k[1] + 1} times; the destination always loads '
                         f"the first subsection of that name", f"{ctx.section}/{k[0]}", dirs)
        # A rename shows up as one removed + one added subsection with the same content.
        for ko in list(only_old):
            for kn in only_new:
                if _same_content(ok[ko], nk[kn]):
                    only_old.remove(ko)
                    only_new.remove(kn)
                    self.add(ctx, "subsection-removed", f"renamed:{kn[0]}", Severity.ERROR,
                             f'Section "{ctx.section}" Description "{ctx.path}": subsection '
                             f'"{ko[0]}" renamed to "{kn[0]}"; a destination receiving it '
                             f'fails with "VM subsection ... does not exist"',
                             f"{ctx.section}/{ko[0]}", dirs)
                    break
        for ko in only_old:
            if FWD in dirs:
                self.add(ctx, "subsection-removed", "", Severity.ERROR,
                         f'Section "{ctx.section}" Description "{ctx.path}": subsection '
                         f'"{ko[0]}" removed; an old source that sends it fails on the new '
                         f'destination with "VM subsection \'{ko[0]}\' ... does not exist"',
                         f"{ctx.section}/{ko[0]}", {FWD}, side="old", confidence="medium")
        for kn in only_new:
            if BWD in dirs:
                self.add(ctx, "subsection-added", "", Severity.WARNING,
                         f'Section "{ctx.section}" Description "{ctx.path}": subsection '
                         f'"{kn[0]}" added; new->old fails whenever its .needed is true '
                         f"(tie .needed to a compat property)",
                         f"{ctx.section}/{kn[0]}", {BWD}, confidence="medium")

    # ---- field lists ------------------------------------------------------------------------
    def fields(self, ctx: _Ctx, of: list[Json], nf: list[Json], dirs: set[str]) -> None:
        key = ctx.path
        ok = [self.allow.field_alias(key, _name(f, "field")) for f in of]
        nk = [self.allow.field_alias(key, _name(f, "field")) for f in nf]
        if ok == nk:
            for o, n in zip(of, nf, strict=True):
                self.field_pair(ctx, o, n, dirs)
            return
        sm = difflib.SequenceMatcher(None, ok, nk, autojunk=False)
        ops = sm.get_opcodes()
        deleted = {ok[i] for tag, i1, i2, _, _ in ops if tag in ("delete", "replace")
                   for i in range(i1, i2)}
        inserted = {nk[j] for tag, _, _, j1, j2 in ops if tag in ("insert", "replace")
                    for j in range(j1, j2)}
        moved = deleted & inserted
        for tag, i1, i2, j1, j2 in ops:
            ob, nb = of[i1:i2], nf[j1:j2]
            if tag == "equal":
                for o, n in zip(ob, nb, strict=True):
                    self.field_pair(ctx, o, n, dirs)
                continue
            if ob and nb and self._wire_equivalent(ob, nb):
                continue
            if ob and nb and any(isinstance(f.get("Description"), dict) for f in ob + nb):
                # Fields moved into (or out of) a substruct: compare the opened leaves.
                lo, ln = _leaves(ob), _leaves(nb)
                if lo is not None and ln is not None:
                    self.fields(ctx, lo, ln, dirs)
                    continue
            if tag == "replace" and len(ob) == len(nb):
                for o, n in zip(ob, nb, strict=True):
                    self.replaced(ctx, o, n, dirs, moved)
                continue
            for o in ob:
                self.removed(ctx, o, dirs, moved)
            for n in nb:
                self.added(ctx, n, dirs, moved)

    @staticmethod
    def _wire_equivalent(ob: list[Json], nb: list[Json]) -> bool:
        """Same leaves after opening substructs, or an `unused` block of the same byte size."""
        fo, fn = _leaves(ob), _leaves(nb)
        if fo is None or fn is None:
            return False
        lo = [(_name(f, "field"), _bytes(f)) for f in fo]
        ln = [(_name(f, "field"), _bytes(f)) for f in fn]
        if lo == ln:
            return True
        unused_side = all(n == "unused" for n, _ in lo) or all(n == "unused" for n, _ in ln)
        return unused_side and sum(b for _, b in lo) == sum(b for _, b in ln)

    def _fentity(self, ctx: _Ctx, fname: str) -> str:
        return f"{ctx.section}/{ctx.path}.{fname}"

    def removed(self, ctx: _Ctx, o: Json, dirs: set[str], moved: set[str]) -> None:
        name = _name(o, "field")
        if self.allow.field_alias(ctx.path, name) in moved:
            self.add(ctx, "field-moved", "", Severity.ERROR,
                     f'Section "{ctx.section}" Description "{ctx.path}": field "{name}" moved '
                     f"to another position; the stream is positional", self._fentity(ctx, name),
                     dirs)
            return
        self.add(ctx, "field-removed", "", Severity.ERROR,
                 f'Section "{ctx.section}" Description "{ctx.path}": field "{name}" '
                 f"({_bytes(o)} bytes) removed; the destination reads a different layout "
                 f'("Missing section footer" or silent corruption)', self._fentity(ctx, name),
                 dirs, side="old")

    def added(self, ctx: _Ctx, n: Json, dirs: set[str], moved: set[str]) -> None:
        name = _name(n, "field")
        if self.allow.field_alias(ctx.path, name) in moved:
            return  # reported once, as moved, by removed()
        if n.get("field_exists") is True:
            self.add(ctx, "field-test", "added", Severity.WARNING,
                     f'Section "{ctx.section}" Description "{ctx.path}": field "{name}" added '
                     f"with a _TEST predicate; compatible only if the predicate is false for "
                     f"old machine types", self._fentity(ctx, name), dirs, confidence="medium")
            return
        self.add(ctx, "field-added", "", Severity.ERROR,
                 f'Section "{ctx.section}" Description "{ctx.path}": field "{name}" '
                 f"({_bytes(n)} bytes) added without a version or subsection; the destination "
                 f"reads a different layout", self._fentity(ctx, name), dirs)

    def replaced(self, ctx: _Ctx, o: Json, n: Json, dirs: set[str], moved: set[str]) -> None:
        oname, nname = _name(o, "field"), _name(n, "field")
        if (self.allow.field_alias(ctx.path, oname) in moved
                or self.allow.field_alias(ctx.path, nname) in moved):
            self.removed(ctx, o, dirs, moved)
            self.added(ctx, n, dirs, moved)
            return
        ostruct, nstruct = isinstance(o.get("Description"), dict), isinstance(
            n.get("Description"), dict)
        if not ostruct and not nstruct and _bytes(o) == _bytes(n):
            self.add(ctx, "field-renamed", nname, Severity.NOTE,
                     f'Section "{ctx.section}" Description "{ctx.path}": field "{oname}" '
                     f'renamed to "{nname}" (same size {_bytes(o)}, wire-compatible)',
                     self._fentity(ctx, oname), set(), confidence="low")
            return
        if ostruct and nstruct and _num(o) == _num(n):
            self.add(ctx, "field-renamed", nname, Severity.NOTE,
                     f'Section "{ctx.section}" Description "{ctx.path}": struct field '
                     f'"{oname}" renamed to "{nname}"', self._fentity(ctx, oname), set(),
                     confidence="low")
            self.nested(ctx, o, n, dirs)
            return
        self.add(ctx, "field-size", f"replaced:{nname}", Severity.ERROR,
                 f'Section "{ctx.section}" Description "{ctx.path}": field "{oname}" '
                 f'({_bytes(o)} bytes) replaced by "{nname}" ({_bytes(n)} bytes)',
                 self._fentity(ctx, oname), dirs)

    def field_pair(self, ctx: _Ctx, o: Json, n: Json, dirs: set[str]) -> None:
        name = _name(n, "field")
        ent = self._fentity(ctx, name)
        if o.get("field_exists") is not n.get("field_exists"):
            self.add(ctx, "field-test", "changed", Severity.WARNING,
                     f'Section "{ctx.section}" Description "{ctx.path}": field "{name}" '
                     f"{'gained' if n.get('field_exists') else 'lost'} a _TEST predicate; both "
                     f"sides must agree on whether it is sent", ent, dirs, confidence="medium")
        ostruct, nstruct = isinstance(o.get("Description"), dict), isinstance(
            n.get("Description"), dict)
        if ostruct != nstruct:
            self.add(ctx, "field-size", "struct", Severity.ERROR,
                     f'Section "{ctx.section}" Description "{ctx.path}": field "{name}" changed '
                     f"between a nested struct and a plain field", ent, dirs)
            return
        # Dumps before QEMU 8.1 (12c81e5ae9) have no "num": the array length is unknown there,
        # so only the element size can be compared.
        if ("num" in o) == ("num" in n) and _num(o) != _num(n):
            self.add(ctx, "field-size", "num", Severity.ERROR,
                     f'Section "{ctx.section}" Description "{ctx.path}": array "{name}" '
                     f"length {_num(o)} -> {_num(n)}", ent, dirs)
        if ostruct:
            self.nested(ctx, o, n, dirs)
        elif _v(o, "size") != _v(n, "size"):
            self.add(ctx, "field-size", "size", Severity.ERROR,
                     f'Section "{ctx.section}" Description "{ctx.path}": field "{name}" size '
                     f"{_v(o, 'size')} -> {_v(n, 'size')}", ent, dirs)

    def nested(self, ctx: _Ctx, o: Json, n: Json, dirs: set[str]) -> None:
        """VMSTATE_STRUCT: no name or version on the wire; each side uses its own version."""
        od, nd = o["Description"], n["Description"]
        sub = _Ctx(ctx.section, ctx.top, _name(od))
        self.fields(sub, _effective(_fields(od), _v(od)), _effective(_fields(nd), _v(nd)), dirs)
        self.subsections(sub, _subs(od), _subs(nd), dirs)

    def findings(self) -> tuple[Finding, ...]:
        out = []
        for p in self.probs.values():
            out.append(make_finding(
                p.kind, p.severity, p.message, p.entity, section=p.section, vmsd=p.vmsd,
                directions=sorted(p.dirs), confidence=p.confidence, side=p.side,
                extra=(("description", p.description),) if p.description else ()))
        sev = {"error": 0, "warning": 1, "note": 2}
        out.sort(key=lambda f: (sev[f.severity.value], f.entity, f.rule, f.message))
        return tuple(out)


def compare_dumps(old: Json, new: Json, allow: AllowLists | None = None) -> tuple[Finding, ...]:
    """All differences between an old and a new dump that matter on the wire, both directions."""
    c = _Comparator(allow or AllowLists())
    c.run(old, new)
    return c.findings()


def _same_content(a: Json, b: Json) -> bool:
    def strip(d: Json) -> object:
        return [(_name(f, "field"), _bytes(f), _v(f)) for f in _fields(d)]

    return strip(a) == strip(b) and _v(a) == _v(b)


def is_compatible(findings: Sequence[Finding]) -> bool:
    """Compatible both ways: no error or warning finding (notes are information)."""
    return all(f.severity is Severity.NOTE for f in findings)
