"""Reply composition: quotes only the finding's hunk lines, 72 columns, threading headers."""

from __future__ import annotations

from email import message_from_bytes, policy

from mailfix import make_mail, sample_bodies

from bot.findings import Category, Finding, Severity
from bot.mail import compose
from bot.mail.config import MailSettings
from bot.sources.mail import parse_mail


def _finding(line: int = 27, side: str = "old") -> Finding:
    return Finding(rule="MIG002", name="vmstate-field-removed", severity=Severity.ERROR,
                   category=Category.FIELD_REMOVED, confidence="high",
                   message="field 'scratch' removed from vmsd 'foo-pci': the fields after it "
                   "shift; migration from older QEMU fails with Missing section footer",
                   fix_hint="replace it with VMSTATE_UNUSED(4) at the same position",
                   path="hw/misc/foo.c", line=line, side=side, entity="vmstate_foo.fields[2]",
                   fix_draft="VMSTATE_UNUSED(4), /* was scratch */", patch_index=1)  # fmt: skip


def test_quote_only_the_hunk_lines_of_the_finding() -> None:
    _, body = sample_bodies()[0]
    q = compose.quote_for(_finding(), body)
    assert q[0] == "> diff --git a/hw/misc/foo.c b/hw/misc/foo.c"
    assert "> -        VMSTATE_UINT32(scratch, FooState)," in q
    assert not any("uint32_t scratch" in ln for ln in q)  # the header hunk is not quoted
    assert len(q) <= 10
    assert compose.quote_for(_finding(line=999), body) == []


def test_body_wrapped_bottom_posted_and_headers() -> None:
    _, body = sample_bodies()[0]
    orig = parse_mail(make_mail("Re: [PATCH 1/3] hw/misc/foo: drop", body, msgid="p1@x",
                                refs=["p0@x"], in_reply_to="p0@x", cc="Bob <bob@x.org>",
                                to="qemu-devel@nongnu.org, Mia <optout@x.org>"))  # fmt: skip
    f = _finding()
    text = compose.body_for(
        orig, [compose.finding_block(f, "Fields are sent " * 20, compose.quote_for(f, orig.body))]
    )
    lines = text.splitlines()
    assert lines[0].startswith("On ") and lines[0].endswith("wrote:")
    assert lines[1].startswith("> ")
    first_text = next(i for i, ln in enumerate(lines) if ln.startswith("MIG002"))
    assert all(ln.startswith(">") or not ln for ln in lines[1:first_text])
    prose = [ln for ln in lines if not ln.startswith((">", "    "))]
    assert all(len(ln) <= 72 for ln in prose)
    s = MailSettings(opt_out=("optout@x.org",), from_address="bot <bot@x.org>")
    msg = compose.build_reply(orig, text, s, msgid="r1@bot", now=1.7e9, fingerprints=["abc"])
    back = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert back["Subject"] == "Re: [PATCH 1/3] hw/misc/foo: drop"
    assert back["In-Reply-To"] == "<p1@x>"
    assert back["References"] == "<p0@x> <p1@x>"
    assert back["To"] == "Ada Example <ada@example.org>"
    assert "optout@x.org" not in back["Cc"] and "bob@x.org" in back["Cc"]
    assert back["Cc"].count("qemu-devel@nongnu.org") == 1
    assert back["Auto-Submitted"] == "auto-generated"
    assert back["Message-ID"] == "<r1@bot>"
    assert back[compose.FINGERPRINT_HEADER] == "abc"


def test_long_message_ids_are_never_encoded_or_broken() -> None:
    long_id = "6920925a45654762d95cbfa670c7f8de7fde2a91.1795634816.git.m@users.noreply.example"
    subj = "[PATCH 1/2] hw/ipmi/ipmi_bmc_sim: Support getting fake LAN channel config and more"
    refs = [f"r{i}.{long_id}" for i in range(30)]
    orig = parse_mail(make_mail(subj, "x\n", msgid=long_id, refs=refs, in_reply_to=refs[-1]))
    raw = compose.build_reply(orig, "b\n", MailSettings(), msgid="r@bot", now=0).as_bytes()
    assert b"=?" not in raw
    assert f"In-Reply-To: <{long_id}>".encode() in raw
    assert all(len(ln) <= 998 for ln in raw.split(b"\n"))
    back = message_from_bytes(raw, policy=policy.default)
    assert back["Subject"] == "Re: " + subj
    got = back["References"].split()
    assert got[0] == f"<r0.{long_id}>" and got[-1] == f"<{long_id}>" and len(got) == 20


def test_series_finding_quoted_by_line_content() -> None:
    _, body = sample_bodies()[0]
    f = _finding(line=999)  # a line number of the series head, not of this patch
    q = compose.quote_for(f, body, "        VMSTATE_UINT32(scratch, FooState),")
    assert "> -        VMSTATE_UINT32(scratch, FooState)," in q
    assert compose.quote_for(f, body, "not in the patch") == []
