"""`/migcheck accept RULE REASON` on a merge request, through the real service and the
loopback GitLab: only Developer access or more counts, only prose counts, accepted findings
become notes that name who and why, and they no longer fail the commit status."""

from __future__ import annotations

from typing import Any

from fakegitlab import FakeGitLab
from gitlabfix import ALICE, BOT, IID, MALLORY, PID, RITA, Running, reply_to


def threads(fake: FakeGitLab) -> dict[str, dict[str, Any]]:
    """rule id -> the first note of the bot's thread about it."""
    out = {}
    for d in fake.discussions(PID, IID):
        first = d["notes"][0]
        if first["author"]["id"] == BOT and "migcheck:fp=" in first["body"]:
            out[first["body"].split("**")[1].split()[0]] = first
    return out


def summary(fake: FakeGitLab) -> str:
    (n,) = [n for n in fake.all_notes(PID, IID)
            if n["author"]["id"] == BOT and "migcheck:summary" in n["body"]]  # fmt: skip
    return str(n["body"])


def status(fake: FakeGitLab) -> str:
    return str(fake.statuses[(PID, fake.mrs[(PID, IID)].head)][-1]["status"])


def emoji(fake: FakeGitLab, note_id: int) -> list[str]:
    return [e["name"] for e in fake.emoji.get((PID, IID, note_id), [])]


def test_accept_notes_by_developers_waive_and_unblock(fake: FakeGitLab, service: Running) -> None:
    fake.add_mr(PID, IID, author_id=RITA, source="series")
    service.mr_event(fake, "open")
    service.wait_idle()
    assert set(threads(fake)) == {"MIG002", "MIG006", "MIG030"} and status(fake) == "failed"

    # the MR's author is a Reporter: nobody accepts their own break without Developer access
    rita = fake.user_note(PID, IID, RITA, "/migcheck accept MIG002 trust me")
    assert service.hook(rita, "Note Hook").json()["kind"] == "waiver"
    mallory = fake.user_note(PID, IID, MALLORY, "/migcheck accept MIG006 me too")
    service.hook(mallory, "Note Hook")
    # quoted or in code: not a command, not even a job
    quoted = fake.user_note(PID, IID, ALICE, "> /migcheck accept MIG002 x\n```\n"
                            "/migcheck accept MIG006 y\n```")  # fmt: skip
    assert service.hook(quoted, "Note Hook").json()["status"] == "ignored"
    service.wait_idle()
    for note in (rita, mallory):
        nid = note["object_attributes"]["id"]
        assert "needs Developer access" in reply_to(fake, PID, IID, nid)
        assert emoji(fake, nid) == ["no_entry_sign"]
    assert "waived" not in str(threads(fake)) and status(fake) == "failed"

    alice = fake.user_note(PID, IID, ALICE, (
        "Both are fine:\n"
        "/migcheck accept MIG002 scratch was never written by any guest driver\n"
        "/migcheck accept MIG006:foo-pci/fifo <img src=x onerror=alert(1)> new in this "
        "release, no older machine type has the device\n"
        "/migcheck accept MIG030\n"))  # fmt: skip
    service.hook(alice, "Note Hook")
    service.wait_idle()
    answer = reply_to(fake, PID, IID, alice["object_attributes"]["id"])
    assert "accepted `MIG002`, `MIG006:foo-pci/fifo` by @alice: 2 finding(s)" in answer
    assert "verdict **warn**" in answer and "needs a reason" in answer
    t = threads(fake)
    # Markdown-escaped, and the mention neutralised (no notification to @alice)
    assert ("**Accepted:** waived by @\u200balice \\(merge request note; was error\\): scratch "
            "was never written") in t["MIG002"]["body"]
    assert "(note, low confidence)" not in t["MIG002"]["body"]
    assert "<img" not in t["MIG006"]["body"]  # hostile text stays inert
    assert "Accepted" not in t["MIG030"]["body"]  # the line without a reason took nothing
    assert status(fake) == "success"  # what is left is a warning: below review.fail_on
    s = summary(fake)
    assert "- @\u200brita's /migcheck accept \\(note" in s and "\\(you: Reporter\\)" in s
    assert "- @\u200bmallory's /migcheck accept" in s and "\\(you: not a member\\)" in s
    assert "needs a reason" in s and "1 warning, 2 notes" in s

    # the next push is reviewed with the same notes: still accepted
    service.mr_event(fake, "reopen")
    service.wait_idle()
    assert "**Accepted:**" in threads(fake)["MIG002"]["body"] and status(fake) == "success"
