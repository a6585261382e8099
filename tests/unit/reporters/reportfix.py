"""Test helper: small Reports with hand-made findings (no analysis involved)."""

from __future__ import annotations

from collections.abc import Iterator

from bot.engine.spec import Hit, Rule, RuleContext, RuleSpec
from bot.findings import Category, Evidence, Finding, Severity, fingerprint
from bot.report import Report, Stats
from bot.series import FileChange, Patch, Series

DOC = """MIG902 sample-rule: a sample

*What it flags*

A sample problem used by the reporter tests.
Second line of the same paragraph.

*Why it breaks migration*

Because.

*Example*

```c
VMSTATE_UINT32(x, S),
```

*Instead*

Do the other thing.

*References*

- nowhere
"""


def _check(change: object, ctx: RuleContext) -> Iterator[Hit]:
    yield from ()


RULES = (
    Rule(
        spec=RuleSpec(
            id="MIG902",
            name="sample-rule",
            severity=Severity.ERROR,
            category=Category.FIELD_REMOVED,
            confidence="high",
            scope="patch",
            message="a sample problem",
            fix_hint="do the other thing",
        ),
        check=_check,  # type: ignore[arg-type]
        doc=DOC,
    ),
)


def finding(
    rule: str = "MIG902",
    name: str = "sample-rule",
    severity: Severity = Severity.ERROR,
    path: str = "hw/misc/foo.c",
    line: int = 27,
    patch_index: int | None = 1,
    message: str = "field 'scratch' removed from vmsd 'foo'",
    fix_draft: str | None = "VMSTATE_UNUSED(4),",
    side: str = "old",
    entity: str = "vmstate_foo.fields[2]",
) -> Finding:
    return Finding(
        rule=rule,
        name=name,
        severity=severity,
        category=Category.FIELD_REMOVED,
        confidence="high",
        message=message,
        fix_hint="replace it with VMSTATE_UNUSED(4)",
        path=path,
        line=line,
        side=side,
        entity=entity,
        fix_draft=fix_draft,
        doc_url=None,
        patch_index=patch_index,
        commit=("c" * 40) if patch_index else None,
        evidence=(Evidence.SOURCE,),
        fingerprint=fingerprint(rule, path, entity, message),
    )


def series(n: int = 2) -> Series:
    patches = tuple(
        Patch(
            index=i,
            commit=f"{i:x}" * 40,
            subject=f"hw/misc/foo: change {i}",
            author="Ada Example <ada@example.org>",
            files=(FileChange("hw/misc/foo.c", "hw/misc/foo.c", b"a", b"b"),),
        )
        for i in range(1, n + 1)
    )
    return Series(base="b" * 40, head=patches[-1].commit if patches else "h" * 40,
                  patches=patches, folded=())  # fmt: skip


def report(*findings: Finding, n: int = 2, rule_errors: tuple[str, ...] = ()) -> Report:
    return Report(
        series=series(n),
        findings=findings,
        stats=Stats(files_parsed=3, seconds=0.1234, rule_errors=rule_errors),
    )
