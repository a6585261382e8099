"""Series assembly: cover or none, revisions, partial rerolls, missing patches, trailers."""

from __future__ import annotations

from mailfix import DATE0, make_mail, series_mails

from bot.mail.assemble import assemble, read_trailers
from bot.sources.mail import parse_mail


def _parse(raws: list[bytes]) -> list:  # type: ignore[type-arg]
    return [parse_mail(r) for r in raws]


def test_cover_letter_series() -> None:
    (s,) = assemble(_parse(series_mails("v1")))
    assert s.key == "v1.0@example.org"
    assert s.cover is not None and sorted(s.patches) == [1, 2, 3]
    assert s.complete and s.head_message is s.cover


def test_no_cover_letter() -> None:
    (s,) = assemble(_parse(series_mails("nc", cover=False)))
    assert s.key == "nc.1@example.org" and s.cover is None
    assert s.complete and s.head_message is not None
    assert s.head_message.msgid == "nc.1@example.org"


def test_missing_patch_and_missing_head_keep_the_key() -> None:
    (s,) = assemble(_parse(series_mails("m", only=[1, 3])))
    assert s.missing == (2,)
    # patch 1 of a cover-less series missing: the others still group under its msgid
    (t,) = assemble(_parse(series_mails("h", cover=False, only=[2, 3])))
    assert t.key == "h.1@example.org" and t.missing == (1,)
    (u,) = assemble(_parse(series_mails("h", cover=False)))
    assert u.key == t.key and u.complete


def test_v2_as_reply_to_v1_obsoletes_v1() -> None:
    v1 = series_mails("v1")
    v2 = series_mails("v2", prefix="PATCH v2", date=DATE0 + 3600, reply_to="v1.0@example.org")
    a, b = assemble(_parse(v1 + v2))
    assert (a.key, b.key) == ("v1.0@example.org", "v2.0@example.org")
    assert b.revision == 2 and sorted(b.patches) == [1, 2, 3]
    assert b.previous == a.key and a.obsoleted_by == b.key


def test_resend_replying_to_v1_is_its_own_series() -> None:
    v1 = series_mails("v1")
    rs = series_mails("rs", prefix="PATCH RESEND", date=DATE0 + 60, reply_to="v1.0@example.org")
    a, b = assemble(_parse(v1 + rs))
    assert b.resend and len(b.patches) == 3 and len(a.patches) == 3
    assert a.obsoleted_by == b.key


def test_partial_reroll_inherits_the_other_patches() -> None:
    from mailfix import sample_bodies

    v1 = series_mails("v1")
    title, body = sample_bodies()[1]
    rr = make_mail(f"[PATCH v2 2/3] {title}", body, msgid="rr.2@example.org",
                   date=DATE0 + 7200, in_reply_to="v1.2@example.org",
                   refs=["v1.0@example.org", "v1.2@example.org"])  # fmt: skip
    a, b = assemble(_parse([*v1, rr]))
    assert b.partial_of == a.key and b.previous == a.key
    assert sorted(b.patches) == [2] and sorted(b.all_patches) == [1, 2, 3]
    assert b.all_patches[1].msgid == "v1.1@example.org"
    assert b.complete and a.obsoleted_by == b.key


def test_change_id_and_supersedes_link_revisions() -> None:
    v1 = series_mails("c1", cover_extra="\nchange-id: 20260101-foo-abc\n")
    v2 = series_mails("c2", prefix="PATCH v2", date=DATE0 + 99,
                      cover_extra="\nchange-id: 20260101-foo-abc\n")  # fmt: skip
    a, b = assemble(_parse(v1 + v2))
    assert b.previous == a.key
    v3 = series_mails("c3", prefix="PATCH v3", date=DATE0 + 199,
                      cover_extra="Supersedes: <c2.0@example.org>\n")  # fmt: skip
    *_, c = assemble(_parse(v1 + v2 + v3))
    assert c.previous == "c2.0@example.org"


def test_trailers() -> None:
    t = read_trailers(["Based-on: <dep.0@example.org>\n\nbase-commit: 0123456789abcdef\n"
                       "change-id: x-y\nSupersedes: <old@x>\n"])  # fmt: skip
    assert t.based_on == ("dep.0@example.org",)
    assert t.base_commit == "0123456789abcdef" and t.change_id == "x-y"
    assert t.supersedes == ("old@x",)


def test_replies_and_non_patch_mail_are_not_series() -> None:
    raws = series_mails("v1")
    raws.append(make_mail("Re: [PATCH 1/3] x", "> diff --git a/x b/x\nLooks good.\n",
                          msgid="re@x", in_reply_to="v1.1@example.org"))  # fmt: skip
    raws.append(make_mail("migration question", "hello\n", msgid="q@x"))
    assert len(assemble(_parse(raws))) == 1


def test_cover_from_another_sender_than_the_patch_authors() -> None:
    raws = series_mails("pull", prefix="PULL")
    # a pull request: the cover is from the maintainer, the patches keep their authors
    raws[0] = raws[0].replace(b"From: Ada Example <ada@example.org>",
                              b"From: Mo Maintainer <mo@example.org>")  # fmt: skip
    (s,) = assemble(_parse(raws))
    assert s.complete and s.cover is not None and s.author_addr == "mo@example.org"
