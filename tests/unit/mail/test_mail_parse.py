"""Whole-message parsing: threading headers, RFC 2047 / 8-bit headers, multipart, maildir."""

from __future__ import annotations

from pathlib import Path

from mailfix import make_mail, mbox, sample_bodies

from bot.sources.mail import parse_mail, read_messages, split_mbox


def test_threading_headers_and_date() -> None:
    raw = make_mail("[PATCH 1/2] a", "body\n", msgid="a.1@x", in_reply_to="a.0@x",
                    refs=["root@x", "a.0@x"], cc="Bob <bob@x.org>, carol@x.org")  # fmt: skip
    m = parse_mail(raw)
    assert m.msgid == "a.1@x"
    assert m.in_reply_to == "a.0@x"
    assert m.references == ("root@x", "a.0@x")
    assert m.parents == ("a.0@x", "root@x")
    assert m.cc == ("Bob <bob@x.org>", "carol@x.org")
    assert m.author_addr == "ada@example.org"
    assert m.date > 0


def test_rfc2047_and_raw_8bit_headers() -> None:
    raw = make_mail("", "x\n", msgid="q@x",
                    author="=?UTF-8?Q?J=C3=A9r=C3=B4me_Dupont?= <jd@example.org>",
                    subject_raw=b"[PATCH] hw/foo: r\xe9sum\xe9 in Latin-1")  # fmt: skip
    m = parse_mail(raw)
    assert m.author == "Jérôme Dupont <jd@example.org>"
    assert m.subject == "[PATCH] hw/foo: résumé in Latin-1"
    enc = make_mail("", "x\n", msgid="r@x",
                    subject_raw=b"=?iso-8859-1?q?=5BPATCH=5D_caf=E9?=")  # fmt: skip
    assert parse_mail(enc).subject == "[PATCH] café"


def test_multipart_patch_attachment_is_found() -> None:
    title, body = sample_bodies()[0]
    diff = body[body.index("diff --git") :]
    mp = (
        "--BOUNDARY\nContent-Type: text/plain; charset=utf-8\n\nSee attached.\n"
        "--BOUNDARY\nContent-Type: multipart/mixed; boundary=INNER\n\n"
        "--INNER\nContent-Type: text/x-patch; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: quoted-printable\n\n"
        + diff.replace("=", "=3D")
        + "\n--INNER--\n--BOUNDARY--\n"
    )
    raw = make_mail(f"[PATCH] {title}", mp, msgid="mp@x",
                    headers=["MIME-Version: 1.0",
                             'Content-Type: multipart/mixed; boundary="BOUNDARY"'])  # fmt: skip
    m = parse_mail(raw)
    assert m.has_diff
    assert "VMSTATE_UINT32(scratch, FooState)" in m.body
    assert "See attached." in m.body


def test_mboxrd_unescape_and_maildir(tmp_path: Path) -> None:
    a = make_mail("[PATCH] a", "From the start\n>From quoted\n", msgid="a@x")
    b = make_mail("[PATCH] b", "text\n", msgid="b@x")
    msgs = split_mbox(mbox([a, b]))
    assert [m.msgid for m in msgs] == ["a@x", "b@x"]
    assert "From the start" in msgs[0].body and ">From quoted" in msgs[0].body
    md = tmp_path / "md"
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True)
    (md / "new" / "1.eml").write_bytes(a)
    (md / "cur" / "2.eml").write_bytes(b)
    assert {m.msgid for m in read_messages(str(md))} == {"a@x", "b@x"}


def test_missing_message_id_is_synthesised() -> None:
    m = parse_mail(b"From: a@x\nSubject: hi\n\nbody\n")
    assert m.msgid.startswith("migcheck-") and m.msgid.endswith("@local")
    assert parse_mail(b"From: a@x\nSubject: hi\n\nbody\n").msgid == m.msgid
