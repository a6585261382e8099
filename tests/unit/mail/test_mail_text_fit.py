"""Reply text, pure: C fix drafts fitted into 80 columns where the code allows, a body cut
to its byte budget with the signature kept, recipients capped, one quote per hunk."""

from __future__ import annotations

from mailfix import make_mail, sample_bodies

from bot.findings import Category, Finding, Severity
from bot.mail import compose
from bot.mail.config import MailSettings
from bot.sources.mail import parse_mail


def test_fit_code_breaks_after_commas_aligned_on_the_open_bracket() -> None:
    line = ("    VMSTATE_STRUCT_ARRAY(some_registers_array_field, FooDeviceState, "
            "FOO_NUM_REGISTERS, 1, vmstate_foo_register, FooRegister),")  # fmt: skip
    out = compose.fit_code(line)
    assert out == [
        "    VMSTATE_STRUCT_ARRAY(some_registers_array_field, FooDeviceState,",
        "                         FOO_NUM_REGISTERS, 1, vmstate_foo_register,",
        "                         FooRegister),",
    ]
    compat = '    { "virtio-net-pci", "x-some-very-long-property-name-for-compat", "off", 1 },'
    assert all(len(ln) <= 80 for ln in compose.fit_code(compat + " /* why */"))
    assert compose.fit_code("    short(a, b);") == ["    short(a, b);"]


def test_fit_code_never_breaks_a_string_literal() -> None:
    line = '    x = "' + "a very long literal " * 5 + '";'
    assert compose.fit_code(line) == [line]  # nothing to break at: stays as it is


def test_cap_body_keeps_the_signature_and_says_what_was_cut() -> None:
    body = "\n".join(f"line {i} " + "x" * 60 for i in range(2000)) + "\n-- \nmigcheck footer\n"
    out = compose.cap_body(body, 8192)
    assert len(out.encode()) <= 8192
    assert out.endswith("\n-- \nmigcheck footer\n")
    assert "more lines cut" in out and out.startswith("line 0 ")
    assert compose.cap_body("short\n-- \nf\n", 8192) == "short\n-- \nf\n"


def test_recipients_capped_and_private() -> None:
    cc = ", ".join(f"d{i}@example.org" for i in range(50))
    orig = parse_mail(make_mail("[PATCH] x", "b\n", msgid="m@x", cc=cc))
    to, copied = compose.recipients(orig, MailSettings(max_cc=3))
    assert to == ["Ada Example <ada@example.org>"]
    assert copied == ["qemu-devel@nongnu.org", "d0@example.org", "d1@example.org",
                      "d2@example.org"]  # fmt: skip
    assert compose.recipients(orig, MailSettings(), private=True) == (to, [])


def _f(line: int, name: str) -> Finding:
    return Finding(rule="MIG002", name="vmstate-field-removed", severity=Severity.ERROR,
                   category=Category.FIELD_REMOVED, confidence="high",
                   message=f"field '{name}' removed", fix_hint="", path="hw/misc/foo.c", line=line,
                   side="old", entity=f"vmstate_foo.{name}")  # fmt: skip


def test_two_lines_of_one_hunk_make_one_quote() -> None:
    _, body = sample_bodies()[0]
    a = compose.hunk_for(_f(27, "scratch"), body)
    b = compose.hunk_for(_f(26, "ctrl"), body)
    assert a is not None and b is not None and a.key == b.key
    lines = a.with_hits(b).render()
    assert lines.count("> diff --git a/hw/misc/foo.c b/hw/misc/foo.c") == 1
    assert "> -        VMSTATE_UINT32(scratch, FooState)," in lines
    assert ">          VMSTATE_UINT32(ctrl, FooState)," in lines
