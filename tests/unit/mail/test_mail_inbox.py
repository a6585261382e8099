"""public-inbox v2 reader: epochs, removal commits, cursors that survive a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from mailfix import Inbox, make_mail

from bot.errors import InputError
from bot.mail.store import SCHEMA_VERSION, MailStore
from bot.sources.publicinbox import epochs, iter_new


def _fill(inbox: Inbox, start: int, n: int) -> None:
    for i in range(start, start + n):
        inbox.add(make_mail(f"[PATCH] m{i}", "x\n", msgid=f"m{i}@x"))


def test_epochs_and_cursors(tmp_path: Path) -> None:
    ib = Inbox(tmp_path / "inbox", per_epoch=4)
    _fill(ib, 0, 10)
    ib.add(b"", delete=True)
    assert [n for n, _ in epochs(ib.root)] == [0, 1, 2]
    items = list(iter_new(ib.root, {}))
    assert len(items) == 11 and items[-1].raw is None
    got = [it.raw.split(b"Subject: ")[1].split(b"\n")[0] for it in items if it.raw]
    assert got == [f"[PATCH] m{i}".encode() for i in range(10)]
    # resume from per-epoch cursors: nothing new, then only the new ones
    cur = {}
    for it in items:
        cur[it.epoch] = it.commit
    assert list(iter_new(ib.root, cur)) == []
    _fill(ib, 10, 3)
    new = list(iter_new(ib.root, cur))
    assert len(new) == 3 and {it.epoch for it in new} == {2, 3}


def test_store_cursor_restart_neither_skips_nor_repeats(tmp_path: Path) -> None:
    ib = Inbox(tmp_path / "inbox", per_epoch=3)
    _fill(ib, 0, 7)
    db = tmp_path / "state.sqlite3"
    st = MailStore(db)
    assert st.schema_version == SCHEMA_VERSION
    seen: list[str] = []
    for k, it in enumerate(iter_new(ib.root, st.cursors(str(ib.root)))):
        if k == 4:
            break  # "crash" in the middle of a poll
        assert it.raw is not None
        st.ingest(str(ib.root), it.epoch, it.commit, (f"id{k}", it.raw, "patch"))
        seen.append(it.commit)
    st.close()
    st = MailStore(db)  # restart
    _fill(ib, 7, 2)
    for it in iter_new(ib.root, st.cursors(str(ib.root))):
        seen.append(it.commit)
    assert len(seen) == 9 and len(set(seen)) == 9


def test_not_an_inbox(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="public-inbox"):
        list(iter_new(tmp_path, {}))
