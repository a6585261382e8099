"""MIG035 cpu-model-feature-change: an existing x86 CPU model changes in place.

*What it flags*

An entry of `builtin_x86_defs[]` (`X86CPUDefinition`) that exists on both sides and whose
base definition changes — `.features[FEAT_*]` words, `.level`/`.xlevel`, family/model/stepping,
`.model_id`, cache info — or whose existing `.versions` entries change. Adding a new version
entry (`{ .version = N, .props = ... }`) is the sanctioned way and is not reported.

*Why it breaks migration*

`-cpu Skylake-Client` (and the versioned alias a machine type resolves it to) must describe
the same virtual CPU in every QEMU release: the guest has already read CPUID. After
migration to a QEMU whose model offers other features the guest either uses instructions the
new host model does not expose, or the destination refuses the state (feature-word and MSR
checks, "cpuid" mismatches under KVM).

*Example*

Security fixes to CPU models add versions (e.g. `Skylake-Client-v2` with
`{ "spec-ctrl", "on" }`), never edit `.features` of v1.

*Instead*

Leave the base definition and existing versions alone; append
`{ .version = <next>, .props = (PropValue[]) { { "<feature>", "on" }, { /* end */ } } }` to
`.versions`, and, if machine types should pick it up, change their default CPU version.

*References*

- target/i386/cpu.c (X86CPUVersionDefinition, x86_cpu_apply_version_props)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import InitializerArray
from bot.rulekit import initializer as I
from bot.rulekit.ctx import file_changes

RULE = RuleSpec(
    id="MIG035",
    name="cpu-model-feature-change",
    severity=Severity.ERROR,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="high",
    scope="patch",
    message="an existing CPU model changes without a new model version",
    fix_hint="keep the definition; add a new .versions entry with .props instead",
    kinds=("array",),
)

CPU_ARRAYS = frozenset({"builtin_x86_defs"})
CPU_STRUCTS = frozenset({"X86CPUDefinition", "x86_def_t"})


def _is_feature_word(key: str) -> bool:
    """`.features[FEAT_1_ECX]` and the older `.features`, `.ext_features`, `.ext2_features`,
    `.kvm_features`, `.svm_features`, `.cpuid_7_0_ebx_features` members of x86_def_t."""
    return key.startswith(".features") or key.endswith("_features")


def _models(arr: InitializerArray) -> dict[str, tuple[dict[str, str], list[dict[str, str]]]]:
    out: dict[str, tuple[dict[str, str], list[dict[str, str]]]] = {}
    for el in I.elements(arr.text):
        mem = I.members(el)
        name = mem.get(".name", "").strip().strip('"')
        if not name:
            continue
        vers = I.versions(mem.pop(".versions", ""))
        out[name] = (mem, vers)
    return out


def _diff(a: dict[str, str], b: dict[str, str]) -> list[str]:
    """Human-readable differences between two member dicts (feature words set-wise)."""
    out: list[str] = []
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k), b.get(k)
        if va == vb:
            continue
        if _is_feature_word(k) and va is not None and vb is not None:
            fa, fb = I.flags(va), I.flags(vb)
            if fa == fb:
                continue
            add = ", ".join(sorted(fb - fa))
            rem = ", ".join(sorted(fa - fb))
            out.append(f"{k}" + (f" +[{add}]" if add else "") + (f" -[{rem}]" if rem else ""))
        else:
            out.append(f"{k}: {va} -> {vb}")
    return out


_FLAG_PREFIX = re.compile(r"^CPUID_(?:\d+_\d+_E[ABCD]X_|EXT\d?_|SVM_|XSAVE_|6_EAX_|D_1_EAX_|)")


def _prop_name(flag: str) -> str:
    """Best-effort -cpu property name of a CPUID_* flag (CPUID_EXT_AVX -> avx)."""
    return _FLAG_PREFIX.sub("", flag).lower().replace("_", "-")


def _props(old: dict[str, str], new: dict[str, str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for k in sorted(set(old) | set(new)):
        if not _is_feature_word(k):
            continue
        fa = I.flags(old.get(k, ""))
        fb = I.flags(new.get(k, ""))
        out.extend((_prop_name(f), "on") for f in sorted(fb - fa) if f.startswith("CPUID_"))
        out.extend((_prop_name(f), "off") for f in sorted(fa - fb) if f.startswith("CPUID_"))
    return out


def _line_of(ctx: RuleContext, path: str, model: str, lo: int, hi: int) -> int | None:
    """Line of `.name = "<model>"` in the new file text, when the bytes are at hand."""
    files = file_changes(ctx)
    for fc in files:
        if fc.path != path or fc.new is None:
            continue
        text = fc.new.decode("utf-8", "replace").splitlines()
        needle = f'"{model}"'
        for i in range(max(lo, 1), min(hi, len(text)) + 1):
            ln = text[i - 1]
            if needle in ln and ".name" in ln:
                return i
    return None


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report in-place edits of existing CPU models."""
    if change.kind != "array" or change.op != "modified":
        return
    o, n = change.old, change.new
    if not isinstance(o, InitializerArray) or not isinstance(n, InitializerArray):
        return
    if n.name not in CPU_ARRAYS and n.struct_type not in CPU_STRUCTS:
        return
    om, nm = _models(o), _models(n)
    for name, (nbase, nvers) in nm.items():
        if name not in om:
            continue
        obase, overs = om[name]
        diffs = _diff(obase, nbase)
        for i, ov in enumerate(overs):
            if i >= len(nvers):
                diffs.append(f"version {ov.get('.version', i + 1)} removed")
                continue
            diffs.extend(f"v{ov.get('.version', i + 1)} {d}" for d in _diff(ov, nvers[i]))
        if not diffs:
            continue
        next_ver = len(nvers) + 1 if nvers else 2
        line = _line_of(ctx, change.path, name, n.line, n.end_line) or change.line
        new_versions = len(nvers) > len(overs)
        yield Hit(
            message=(
                f"CPU model '{name}' changes in place ({'; '.join(diffs[:4])}"
                f"{' ...' if len(diffs) > 4 else ''}): guests of existing machine types see "
                "a different CPU after migration"
                # with the release baseline the runner knows whether a release has it
                + (f" (fine only if no released QEMU has '{name}' yet)" if ctx.release is None
                   else "")
                + (
                    "; the new version entry does not excuse editing the base definition"
                    if new_versions
                    else ""
                )
            ),
            line=line,
            side="new",
            entity=f"{n.name}[{name}]",
            fix_draft=_draft(name, next_ver, _props(obase, nbase)),
        )


def _draft(model: str, version: int, props: list[tuple[str, str]]) -> str:
    """The .versions entry that carries the change instead (property names best-effort)."""
    lines = [f'        {{ "{p}", "{v}" }},' for p, v in props] or ['        { "<feature>", "on" },']
    body = "\n".join(lines)
    return (
        f"/* restore the old definition of {model}, then append to .versions: */\n"
        f"{{\n    .version = {version},\n    .props = (PropValue[]) {{\n{body}\n"
        f"        {{ /* end of list */ }}\n    }},\n}},"
    )
