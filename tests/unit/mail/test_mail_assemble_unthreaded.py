"""Series assembly without threading headers: plain `git format-patch` output and
`git send-email --no-thread` mails are grouped by `[PATCH vN n/m]`, sender, date, version."""

from __future__ import annotations

import email.utils

from mailfix import DATE0, make_mail, sample_bodies, series_mails

from bot.mail.assemble import assemble
from bot.sources.mail import MailMessage, parse_mail

DAY = 86400.0


def format_patch_mail(subject: str, body: str, author: str, date: float) -> bytes:
    """What `git format-patch` (no --thread) writes: no Message-ID, no threading headers."""
    return (
        "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
        f"From: {author}\nDate: {email.utils.formatdate(date)}\nSubject: {subject}\n\n"
        + body
    ).encode()


def plain_series(revision: int = 1, *, date: float = DATE0, authors: bool = True) -> list[bytes]:
    """Cover letter and three patches, patch authors differ, commit dates months apart."""
    bodies = sample_bodies()
    v = f" v{revision}" if revision > 1 else ""
    out = [format_patch_mail(f"[PATCH{v} 0/3] sample series", "Cover.\n",
                             "Ada Example <ada@example.org>", date)]  # fmt: skip
    who = ["Ada Example <ada@example.org>", "Bob Coder <bob@example.org>",
           "Cy Dev <cy@example.org>"]  # fmt: skip
    for i, (title, body) in enumerate(bodies, start=1):
        author = who[i - 1] if authors else who[0]
        out.append(format_patch_mail(f"[PATCH{v} {i}/3] {title}", body, author,
                                     date - (3 - i) * 40 * DAY))  # fmt: skip
    return out


def parse(raws: list[bytes]) -> list[MailMessage]:
    return [parse_mail(r) for r in raws]


def test_format_patch_output_is_one_series() -> None:
    msgs = parse(plain_series())
    assert all(m.synthetic_id and not m.parents for m in msgs)
    (s,) = assemble(msgs)
    assert s.cover is not None and s.key == s.cover.msgid
    assert sorted(s.patches) == [1, 2, 3] and s.complete


def test_format_patch_without_cover_letter() -> None:
    (s,) = assemble(parse(plain_series()[1:]))
    assert s.cover is None and s.complete
    assert s.key == s.patches[1].msgid


def test_two_format_patch_series_in_a_row_stay_apart() -> None:
    raws = plain_series(authors=False)[1:] + plain_series(authors=False)[1:]
    # the second copy differs only in content-derived ids: make them distinct series
    raws[3:] = [r + b"\n" for r in raws[3:]]
    a, b = assemble(parse(raws))
    assert a.complete and b.complete
    assert {m.msgid for m in a.messages()}.isdisjoint(m.msgid for m in b.messages())


def test_versions_are_separate_series_linked_by_title() -> None:
    v1, v2 = assemble(parse(plain_series(1) + plain_series(2, date=DATE0 + 20 * DAY)))
    assert (v1.revision, v2.revision) == (1, 2)
    assert v1.complete and v2.complete
    assert v2.previous == v1.key and v1.obsoleted_by == v2.key


def no_thread_mails(tag: str, date: float, author: str = "Ada Example <ada@example.org>",
                    total: int = 3) -> list[bytes]:  # fmt: skip
    """`git send-email --no-thread`: real Message-IDs, send-time dates, no threading."""
    bodies = sample_bodies()
    return [
        make_mail(f"[PATCH {i}/{total}] {bodies[i - 1][0]}", bodies[i - 1][1],
                  msgid=f"{tag}.{i}@example.org", date=date + i, author=author)
        for i in range(1, total + 1)
    ]  # fmt: skip


def test_sent_without_threading_grouped_by_sender_and_date() -> None:
    a1 = no_thread_mails("a1", DATE0)
    b1 = no_thread_mails("b1", DATE0 + 5, author="Bob Coder <bob@example.org>")
    a2 = no_thread_mails("a2", DATE0 + 3 * DAY)
    # interleaved arrival, as a list archive may deliver them
    raws = [a1[0], b1[0], a1[1], b1[1], a2[0], a1[2], b1[2], a2[1], a2[2]]
    groups = {frozenset(m.msgid.split(".")[0] for m in s.messages()) for s in assemble(parse(raws))}
    assert groups == {frozenset({"a1"}), frozenset({"b1"}), frozenset({"a2"})}


def test_sent_patches_days_apart_are_not_one_series() -> None:
    a = no_thread_mails("a", DATE0)[:2]  # 1/3, 2/3 and patch 3 never came
    late = no_thread_mails("late", DATE0 + 10 * DAY)[2:]  # a 3/3 ten days later
    series = assemble(parse(a + late))
    assert len(series) == 2
    assert series[0].missing == (3,)


def test_threaded_series_unchanged() -> None:
    """A normal send-email series: its cover letter has no parents but is answered."""
    (s,) = assemble(parse(series_mails("t1") + no_thread_mails("x", DATE0 + 2 * DAY)[:1]))[:1]
    assert s.key == "t1.0@example.org" and s.complete and len(s.patches) == 3
