"""/check-migration parsing and MAINTAINERS addresses."""

from __future__ import annotations

from bot.mail.commands import find_command, parse_maintainers


def test_command_on_its_own_line() -> None:
    assert find_command("Hi\n/check-migration\nthanks\n") is not None
    c = find_command("  /check-migration --build  \n")
    assert c is not None and c.build
    assert find_command("> /check-migration\nquoted only\n") is None
    assert find_command("please run /check-migration on this\n") is None


def test_maintainers_m_and_r_lines() -> None:
    text = (
        "Migration\nM: Peter Xu <peterx@redhat.com>\nM: Fabiano Rosas <farosas@suse.de>\n"
        "R: Some Reviewer <REV@example.org>\nL: qemu-devel@nongnu.org\nS: Maintained\n"
    )
    assert parse_maintainers(text) == {"peterx@redhat.com", "farosas@suse.de",
                                       "rev@example.org"}  # fmt: skip
