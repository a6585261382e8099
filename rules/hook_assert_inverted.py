"""MIG074 hook-assert-inverted: an assertion of a vmsd hook became a failure on the same test

*What it flags*

In the body of a function that an existing `VMStateDescription` names as `.pre_save`,
`.post_load`, `.pre_load` or `.post_save`, an `assert(C)` (or `g_assert(C)`) that the change
removes while it adds `if (C)` — the same condition, not negated — whose branch fails the
hook (`return` of a non-zero value, or `error_setg()`). The assertion stated that `C` holds
whenever the hook runs; the new branch fails exactly then.

Quiet: the correct conversion `if (!(C))` / `if (!C)`, an `if (C)` that existed before, an
assertion that stays, and branches that return 0 or only log.

*Why it breaks migration*

A pre_save/post_save hook that returns non-zero aborts the outgoing migration; a pre_load or
post_load hook that does fails the incoming one ("error while loading state for instance ...
of device ..."). With the test inverted, the hook fails in the normal state it asserted
before, so the device's migration fails in both directions on every machine type, while the
state the old assertion guarded against (the one that should now fail) goes through.

*Example*

qxl replaced `assert(d->last_release_offset < d->vga.vram_size);` in `qxl_pre_save()` by
`if (d->last_release_offset < d->vga.vram_size) { return 1; }`: every qxl migration failed
with a valid release ring; the fix negated the test (commits 39b8a183e2f3, eb94846280df).

*Instead*

Fail on the negation of the assertion: `if (!(C)) { return -EINVAL; }` (or `if (x >= n)` for
an asserted `x < n`).

*References*

- docs/devel/migration/main.rst, "Save state" (pre_save/post_load return values)
- 39b8a183e2f3 (qxl_pre_save), fixed by eb94846280df
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model import cscan
from bot.model.entities import HookBody
from bot.rulekit.ctx import Side, file_changes, source_text
from bot.rulekit.hooks import LOAD_ROLES, SAVE_ROLES, body_change, hook_uses

RULE = RuleSpec(
    id="MIG074",
    name="hook-assert-inverted",
    severity=Severity.WARNING,
    category=Category.OTHER,
    confidence="high",
    scope="patch",
    message="an assertion of a vmsd hook became a failure branch on the same, not negated, test",
    fix_hint="fail on the negation of the old assertion: if (!(C)) return -EINVAL;",
    kinds=("hook_body",),
)

_ASSERT = re.compile(r"\b(?:g_)?assert\s*\(")
_IF = re.compile(r"\bif\s*\(")
# a branch that fails the hook: a non-zero return, or an error reported through errp
_FAILS = re.compile(r"\breturn\s+(?!0\s*;|true\s*;)[^;]+;|\berror_setg\w*\s*\(")
_MAX_BODY = 20000  # characters of a hook body read (untrusted input)
_MAX_COND = 400  # characters of one condition
_MAX_BRANCH = 4000  # characters of the block an `if` guards


def _balanced(text: str, start: int, opening: str, closing: str, limit: int) -> int:
    """Index just past the bracket closing the one opened at `start` (-1 when unbalanced or
    not closed within `limit` characters: every `if (` of a hostile body is one short scan)."""
    depth = 0
    for i in range(start, min(len(text), start + limit)):
        c = text[i]
        if c == opening:
            depth += 1
        elif c == closing:
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


def _cond_at(text: str, open_paren: int) -> tuple[str, int] | None:
    """(normalised condition, index past its `)`) of the parenthesis at `open_paren`."""
    end = _balanced(text, open_paren, "(", ")", _MAX_COND + 2)
    if end < 0 or end - open_paren > _MAX_COND:
        return None
    return cscan.norm(text[open_paren + 1 : end - 1]).replace(" ", ""), end


def _asserted(body: str) -> set[str]:
    out: set[str] = set()
    for m in _ASSERT.finditer(body):
        got = _cond_at(body, m.end() - 1)
        if got is not None:
            out.add(got[0])
    return out


def _branch(body: str, after: int) -> str:
    """The statement or block an `if (...)` ending at `after` guards."""
    rest = body[after:]
    stripped = rest.lstrip()
    if stripped.startswith("{"):
        start = after + len(rest) - len(stripped)
        end = _balanced(body, start, "{", "}", _MAX_BRANCH)
        return body[start:end] if end > 0 else ""
    return stripped.split(";", 1)[0] + ";"


def _failing_ifs(body: str) -> dict[str, str]:
    """Normalised condition -> failing branch, for every `if (C)` whose branch fails."""
    out: dict[str, str] = {}
    for m in _IF.finditer(body):
        got = _cond_at(body, m.end() - 1)
        if got is None:
            continue
        cond, end = got
        branch = _branch(body, end)
        if _FAILS.search(branch):
            out.setdefault(cond, branch)
    return out


def _all_ifs(body: str) -> set[str]:
    out: set[str] = set()
    for m in _IF.finditer(body):
        got = _cond_at(body, m.end() - 1)
        if got is not None:
            out.add(got[0])
    return out


def _body(ctx: RuleContext, path: str, side: Side, hook: HookBody) -> str | None:
    """The hook's definition on one side (comments blanked), cut at _MAX_BODY characters."""
    text = source_text(ctx, path, side)
    if text is None:
        return None
    return "\n".join(text.splitlines()[hook.line - 1 : hook.end_line])[:_MAX_BODY]


def _old_path(ctx: RuleContext, path: str) -> str:
    for fc in file_changes(ctx):
        if fc.new_path == path and fc.old_path:
            return fc.old_path
    return path


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit per removed `assert(C)` of a hook that became a failing `if (C)`."""
    pair = body_change(change)
    if pair is None:
        return
    old, new = pair
    if not hook_uses(ctx, change, LOAD_ROLES + SAVE_ROLES):
        return
    old_body = _body(ctx, _old_path(ctx, change.path), "old", old)
    new_body = _body(ctx, change.path, "new", new)
    if old_body is None or new_body is None:
        return
    gone = _asserted(old_body) - _asserted(new_body)
    if not gone:
        return
    before = _all_ifs(old_body)
    for cond, branch in sorted(_failing_ifs(new_body).items()):
        if cond not in gone or cond in before:
            continue
        shown = cscan.norm(branch)[:80]
        yield Hit(
            message=(
                f"{new.name}() asserted `{cond}` and now fails when it holds (`if ({cond}) "
                f"{shown}`): the hook fails in the normal state its assertion described, so "
                "this device's migration fails, while the state the assertion excluded goes "
                f"through; test `!({cond})` instead"
            ),
            line=new.line,
            side="new",
            entity=f"{new.name}:{cond}",
        )
