"""Field alignment: how the payload fields of two versions of one vmsd line up. Pure.

The wire format is positional, so fields are aligned as a sequence (difflib) by an identity
that survives a change of type or size (the C member), with a second pass that pairs renamed
fields by macro inside a replaced run, placeholders (`VMSTATE_UNUSED`) that took the place of
removed fields, and fields that kept their identity but moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from bot.model.entities import Vmsd, VmstateField

__all__ = ["FieldDiff", "Replacement", "align_fields", "field_key", "same_field"]


def field_key(f: VmstateField) -> str:
    """Identity used to align the fields of two versions of one vmsd."""
    if f.is_unused:
        return f"{f.macro}({','.join(f.args)})"
    if f.c_field:
        return f.c_field
    return f"{f.macro}({','.join(f.args)})"


def same_field(a: VmstateField, b: VmstateField) -> bool:
    """Equal apart from the line."""
    return (
        a.macro == b.macro
        and a.args == b.args
        and a.vmsd_ref == b.vmsd_ref
        and a.count_value == b.count_value
        and a.elem_size == b.elem_size
    )


@dataclass(frozen=True, slots=True)
class Replacement:
    """Old fields whose place was taken by VMSTATE_UNUSED placeholders (with, for a field
    that narrowed, the narrower field itself: `new` then sums to the same wire size when the
    placeholder pads it back)."""

    old: tuple[VmstateField, ...]
    new: tuple[VmstateField, ...]


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """How the payload fields of two versions of one vmsd line up."""

    pairs: tuple[tuple[VmstateField, VmstateField], ...]  # same slot (same key or positional)
    added: tuple[VmstateField, ...]
    removed: tuple[VmstateField, ...]
    moved: tuple[tuple[VmstateField, VmstateField], ...]  # same key, other relative position
    replaced: tuple[Replacement, ...]

    def introduced(self) -> tuple[VmstateField, ...]:
        """New-side fields the change added or altered (moved and placeholders included)."""
        out = list(self.added)
        out.extend(n for o, n in self.pairs if not same_field(o, n))
        out.extend(n for _, n in self.moved)
        for r in self.replaced:
            out.extend(r.new)
        return tuple(out)


def _align_block(
    olds: tuple[VmstateField, ...],
    news: tuple[VmstateField, ...],
    pairs: list[tuple[VmstateField, VmstateField]],
    added: list[VmstateField],
    removed: list[VmstateField],
) -> None:
    """Second pass over a replaced run of unequal length: pair renamed fields by macro."""
    sm = SequenceMatcher(None, [f.macro for f in olds], [f.macro for f in news], autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            pairs.extend(zip(olds[i1:i2], news[j1:j2], strict=True))
        else:
            removed.extend(olds[i1:i2])
            added.extend(news[j1:j2])


def align_fields(old: Vmsd, new: Vmsd) -> FieldDiff:
    """Align the payload fields (END_OF_LIST and VALIDATE excluded) of two vmsd versions."""
    of = old.payload_fields
    nf = new.payload_fields
    ok = [field_key(f) for f in of]
    nk = [field_key(f) for f in nf]
    pairs: list[tuple[VmstateField, VmstateField]] = []
    added: list[VmstateField] = []
    removed: list[VmstateField] = []
    replaced: list[Replacement] = []
    sm = SequenceMatcher(None, ok, nk, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            pairs.extend(zip(of[i1:i2], nf[j1:j2], strict=True))
        elif tag == "delete":
            removed.extend(of[i1:i2])
        elif tag == "insert":
            added.extend(nf[j1:j2])
        else:
            olds, news = of[i1:i2], nf[j1:j2]
            if all(f.is_unused for f in news) and not all(f.is_unused for f in olds):
                replaced.append(Replacement(tuple(olds), tuple(news)))
            elif len(olds) == len(news):
                pairs.extend(zip(olds, news, strict=True))
            else:
                _align_block(olds, news, pairs, added, removed)
    moved: list[tuple[VmstateField, VmstateField]] = []
    added_by_key: dict[str, list[VmstateField]] = {}
    for f in added:
        added_by_key.setdefault(field_key(f), []).append(f)
    still_removed: list[VmstateField] = []
    for f in removed:
        cands = added_by_key.get(field_key(f))
        if f.c_field and not f.is_unused and cands:
            moved.append((f, cands.pop(0)))
        else:
            still_removed.append(f)
    moved_new = {id(n) for _, n in moved}
    padded = _narrowed_and_padded(nf, pairs, [f for f in added if id(f) not in moved_new])
    taken = {id(f) for r in padded for f in r.new}
    pairs = [(o, n) for o, n in pairs if id(n) not in taken]
    replaced.extend(padded)
    return FieldDiff(
        pairs=tuple(pairs),
        added=tuple(f for f in added if id(f) not in moved_new and id(f) not in taken),
        removed=tuple(still_removed),
        moved=tuple(moved),
        replaced=tuple(replaced),
    )


_INTEGER = frozenset({"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"})


def _narrowed_and_padded(
    news: tuple[VmstateField, ...],
    pairs: list[tuple[VmstateField, VmstateField]],
    added: list[VmstateField],
) -> list[Replacement]:
    """Fields that narrowed by k bytes next to an added VMSTATE_UNUSED(k): the same bytes on
    the wire. An integer is big-endian on the wire, so its placeholder must come first (the
    dropped high bytes); a buffer may be padded on either side."""
    fresh = {id(f) for f in added if f.is_unused}
    if not fresh:
        return []
    pos = {id(f): i for i, f in enumerate(news)}
    out: list[Replacement] = []
    used: set[int] = set()
    for o, n in pairs:
        osz, nsz = o.wire_size, n.wire_size
        if osz is None or nsz is None or nsz >= osz or id(n) not in pos:
            continue
        i = pos[id(n)]
        sides = (i - 1,) if n.info in _INTEGER and n.count is None else (i - 1, i + 1)
        for j in sides:
            if not 0 <= j < len(news):
                continue
            pad = news[j]
            if id(pad) in fresh and id(pad) not in used and pad.wire_size == osz - nsz:
                used.add(id(pad))
                out.append(Replacement((o,), (pad, n) if j < i else (n, pad)))
                break
    return out
