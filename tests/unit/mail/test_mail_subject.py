"""Subject prefixes and reply subjects."""

from __future__ import annotations

import pytest

from bot.mail.subject import parse_subject, reply_subject


@pytest.mark.parametrize(
    ("subject", "rev", "counter", "total", "rfc", "resend", "tags", "title"),
    [
        ("[PATCH v3 2/5] hw/foo: bar", 3, 2, 5, False, False, (), "hw/foo: bar"),
        ("[PATCHv3 02/15] x", 3, 2, 15, False, False, (), "x"),
        ("[RFC PATCH 0/4] y", 1, 0, 4, True, False, (), "y"),
        ("[RFCv2 1/1] z", 2, 1, 1, True, False, (), "z"),
        ("[PATCH RESEND v2] w", 2, 1, 1, False, True, (), "w"),
        ("[PATCH qemu v4 3/3] q", 4, 3, 3, False, False, ("qemu",), "q"),
        ("[for-10.2] [PATCH 1/2] two groups", 1, 1, 2, False, False, ("for-10.2",), "two groups"),
        ("[PATCH] single", 1, 1, 1, False, False, (), "single"),
        ("[PULL 1/2] pulled", 1, 1, 2, False, False, (), "pulled"),
    ],
)
def test_prefixes(subject: str, rev: int, counter: int, total: int, rfc: bool, resend: bool,
                  tags: tuple[str, ...], title: str) -> None:  # fmt: skip
    ps = parse_subject(subject)
    assert ps.is_patch
    assert (ps.revision, ps.counter, ps.total) == (rev, counter, total)
    assert (ps.rfc, ps.resend, ps.tags, ps.title) == (rfc, resend, tags, title)


def test_replies_and_non_patches() -> None:
    assert not parse_subject("Re: [PATCH 1/2] foo").is_patch
    assert parse_subject("Re: [PATCH 1/2] foo").is_reply
    assert not parse_subject("[Qemu-devel] question about migration").is_patch
    assert parse_subject("[PATCH 0/3] cover").is_cover


def test_reply_subject_never_doubles_re() -> None:
    assert reply_subject("[PATCH 1/2] foo") == "Re: [PATCH 1/2] foo"
    assert reply_subject("Re: [PATCH 1/2] foo") == "Re: [PATCH 1/2] foo"
    assert reply_subject("RE:  [PATCH]  foo") == "RE: [PATCH] foo"
