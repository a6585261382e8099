"""Hypothesis strategies for bad inputs: mbox/patch mails, unified diffs, C sources, webhook
bodies. Each mixes near-valid structure (so the parsers get past their first check) with
damage: wrong hunk counts, bad charsets, truncation, NUL and non-UTF-8 bytes, wrong JSON types."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

JUNK_BYTES = st.binary(min_size=0, max_size=64)
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=40
)
WORD = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
PATH = st.one_of(
    st.sampled_from(["hw/misc/foo.c", "include/hw/misc/foo.h", "hw/core/machine.c", "README"]),
    st.from_regex(r"[a-z]{1,6}(/[a-z0-9_.\- ]{1,8}){0,3}", fullmatch=True),
    st.just("../../etc/passwd"),
    st.just("a b/c\tq.c"),
)


def _enc(s: str) -> bytes:
    return s.encode("utf-8", "surrogatepass")


@st.composite
def hunk(draw: st.DrawFn) -> bytes:
    """An @@ hunk whose counts may not match its lines."""
    a, b = draw(st.integers(-2, 5000)), draw(st.integers(-2, 5000))
    na, nb = draw(st.integers(0, 9)), draw(st.integers(0, 9))
    lines = draw(
        st.lists(st.tuples(st.sampled_from([" ", "+", "-", "\\", "", "@"]), TEXT), max_size=10)
    )
    head = draw(
        st.sampled_from([f"@@ -{a},{na} +{b},{nb} @@", f"@@ -{a} +{b} @@", "@@ garbage @@", "@@"])
    )
    body = "".join(f"{p}{t}\n" for p, t in lines)
    return _enc(f"{head} {draw(TEXT)}\n{body}")


@st.composite
def unified_diff(draw: st.DrawFn) -> bytes:
    """A diff --git block (possibly truncated or with a binary blob)."""
    old, new = draw(PATH), draw(PATH)
    parts = [f"diff --git a/{old} b/{new}\n"]
    if draw(st.booleans()):
        parts.append(
            draw(
                st.sampled_from(
                    [
                        "new file mode 100644\n",
                        "deleted file mode 100644\n",
                        "similarity index 90%\nrename from x\nrename to y\n",
                        "old mode 100644\nnew mode 100755\n",
                        "index 0000000..1111111 100644\n",
                        "index zzzz..yyyy\n",
                        "GIT binary patch\nliteral 5\nMcmZ?\n",
                    ]
                )
            )
        )
    parts.append(draw(st.sampled_from([f"--- a/{old}\n", "--- /dev/null\n", "---\n", ""])))
    parts.append(draw(st.sampled_from([f"+++ b/{new}\n", "+++ /dev/null\n", "+++\n", ""])))
    data = _enc("".join(parts)) + b"".join(draw(st.lists(hunk(), max_size=3)))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, max(0, len(data))))]
    return data + draw(st.sampled_from([b"", b"\x00\xff\xfe", b"-- \n2.43.0\n"]))


HEADER_NAMES = [
    "From",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "To",
    "Cc",
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
    "X-Junk",
]
HEADER_VALUES = st.one_of(
    TEXT,
    st.sampled_from(
        [
            "=?utf-8?q?bad=ZZ?=",
            "=?x-unknown?b?////?=",
            "text/plain; charset=klingon",
            "multipart/mixed; boundary=",
            'multipart/mixed; boundary="b"',
            "base64",
            "quoted-printable",
            "[PATCH v99999999999999999999 3/2] x",
            "[PATCH 0/0]",
            "[PATCH RFC v2 01/10] hw/foo: remove field",
            "<<<>>>",
            "<a@b> <c@d",
            "Thu, 99 Foo 10000",
            "Ada <ada@example.org>",
            "",
            " ",
            "\udcff",
        ]
    ),
)


@st.composite
def mail_message(draw: st.DrawFn) -> bytes:
    """One mail with damaged headers and a (damaged) diff body."""
    headers = draw(st.lists(st.tuples(st.sampled_from(HEADER_NAMES), HEADER_VALUES), max_size=8))
    out = b""
    if draw(st.booleans()):
        out += draw(
            st.sampled_from(
                [
                    b"From 1234 Mon Sep 17 00:00:00 2001\n",
                    b"From \n",
                    b"From mboxrd@z Thu Jan  1 00:00:00 1970\n",
                ]
            )
        )
    for name, value in headers:
        out += _enc(f"{name}: {value}\n")
    out += draw(st.sampled_from([b"\n", b"", b"\r\n"]))
    out += _enc(draw(TEXT)) + b"\n---\n"
    if draw(st.booleans()):
        out += b"--b\nContent-Type: text/x-diff; charset=bogus\n\n"
    out += b"".join(draw(st.lists(unified_diff(), max_size=2)))
    if draw(st.booleans()):
        out += draw(JUNK_BYTES)
    return out


MBOX = st.one_of(
    st.lists(mail_message(), min_size=1, max_size=3).map(lambda ms: b"\n".join(ms)),
    JUNK_BYTES,
    unified_diff(),
    st.just(b">From escaped\nFrom: x\n\n>>From y\n"),
)

C_TOKENS = st.sampled_from(
    [
        "static const VMStateDescription vmstate_foo = {",
        '.name = "foo",',
        ".version_id = 1,",
        ".minimum_version_id = 1,",
        ".fields = (const VMStateField[]) {",
        "VMSTATE_UINT32(ctrl, FooState),",
        "VMSTATE_UINT32_ARRAY(regs, FooState, 4),",
        "VMSTATE_STRUCT(s, FooState, 1, vmstate_bar, BarState),",
        "VMSTATE_END_OF_LIST()",
        "}",
        "};",
        "{",
        "(",
        ")",
        ",",
        ";",
        "#define X(a) a##b",
        "#if 0",
        "#endif",
        '#include "',
        "/* unterminated",
        '"unterminated',
        "'",
        "\\",
        "static Property foo_props[] = {",
        'DEFINE_PROP_BOOL("x", FooState, x, true),',
        "DEFINE_PROP_END_OF_LIST(),",
        "GlobalProperty hw_compat_9_2[] = {",
        '{ "foo", "x", "off" },',
        "static const TypeInfo foo_info = {",
        ".parent = TYPE_DEVICE,",
        "type_init(foo_register)",
        "vmstate_register(NULL, 0, &vmstate_foo, s);",
        "int",
        "uint32_t",
        "x",
        "\n",
        " ",
        "\t",
    ]
)


@st.composite
def c_source(draw: st.DrawFn) -> bytes:
    """C-looking text with unbalanced braces, bad macros and stray bytes."""
    toks = draw(st.lists(st.one_of(C_TOKENS, WORD), max_size=60))
    data = _enc(" ".join(toks))
    if draw(st.booleans()):
        pos = draw(st.integers(0, len(data)))
        data = data[:pos] + draw(JUNK_BYTES) + data[pos:]
    return data


C_SOURCE = st.one_of(c_source(), JUNK_BYTES, st.binary(min_size=0, max_size=512))

JSON_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), TEXT
)
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)


@st.composite
def hook_body(draw: st.DrawFn) -> tuple[str, bytes]:
    """(X-Gitlab-Event, body): near-valid MR/Note hooks with wrong types, or junk."""
    kind = draw(st.sampled_from(["mr", "note", "junk_json", "bytes"]))
    if kind == "bytes":
        return draw(st.sampled_from(["Merge Request Hook", "Note Hook", ""])), draw(
            st.one_of(JUNK_BYTES, st.just(b"{"), st.just(b"[]"), st.just(b"null"))
        )
    if kind == "junk_json":
        return draw(st.sampled_from(["Merge Request Hook", "Note Hook", "Push Hook", ""])), _enc(
            json.dumps(draw(JSON_VALUE))
        )
    attrs: dict[str, Any] = {
        "iid": draw(st.one_of(st.integers(-5, 10**20), JSON_VALUE)),
        "action": draw(
            st.one_of(st.sampled_from(["open", "update", "reopen", "create"]), JSON_VALUE)
        ),
        "state": draw(st.one_of(st.just("opened"), JSON_VALUE)),
        "target_project_id": draw(st.one_of(st.integers(0, 10), JSON_VALUE)),
        "last_commit": draw(st.one_of(st.fixed_dictionaries({"id": TEXT}), JSON_VALUE)),
        "noteable_type": draw(st.one_of(st.just("MergeRequest"), JSON_VALUE)),
        "note": draw(st.one_of(st.just("/check-migration --build"), TEXT, JSON_VALUE)),
        "system": draw(JSON_VALUE),
        "id": draw(JSON_VALUE),
    }
    body: dict[str, Any] = {
        "object_kind": "merge_request" if kind == "mr" else "note",
        "object_attributes": draw(st.one_of(st.just(attrs), JSON_VALUE)),
        "project": draw(st.one_of(st.fixed_dictionaries({"id": st.integers(0, 3)}), JSON_VALUE)),
        "user": draw(
            st.one_of(st.fixed_dictionaries({"id": JSON_VALUE, "username": TEXT}), JSON_VALUE)
        ),
        "merge_request": draw(st.one_of(st.just(attrs), JSON_VALUE)),
    }
    event = "Merge Request Hook" if kind == "mr" else "Note Hook"
    return event, _enc(json.dumps(body))


@st.composite
def applying_patch(draw: st.DrawFn, path: str, base_text: str) -> bytes:
    """A well-formed patch mail that applies to base_text at path, with random edits (deleted,
    inserted and replaced lines from C_TOKENS), so the whole pipeline runs on damaged C."""
    import difflib

    old = base_text.splitlines(keepends=True)
    new = list(old)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["del", "ins", "rep"]))
        i = draw(st.integers(0, max(0, len(new) - 1)))
        line = " ".join(draw(st.lists(st.one_of(C_TOKENS, WORD), min_size=1, max_size=4)))
        line = line.replace("\n", " ") + "\n"
        if op == "del" and new:
            del new[i]
        elif op == "ins":
            new.insert(i, line)
        elif new:
            new[i] = line
    if new == old:
        new.append("/* tail */\n")
    diff = "".join(difflib.unified_diff(old, new, f"a/{path}", f"b/{path}", n=3))
    subject = draw(
        st.sampled_from(["[PATCH] hw/misc/foo: fuzz", "[PATCH v2 1/1] fuzz", "[RFC PATCH] x"])
    )
    mail = (
        "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
        "From: Fuzz Example <fuzz@example.org>\n"
        "Date: Mon, 5 Jan 2026 10:00:00 +0000\n"
        f"Subject: {subject}\n\n"
        "Generated change.\n\nSigned-off-by: Fuzz Example <fuzz@example.org>\n---\n"
        f"diff --git a/{path} b/{path}\n{diff}-- \n2.43.0\n"
    )
    return mail.encode("utf-8")
