"""Issue 14 item 1: a patch that arrives after mail.wait_complete reopens the series (once per
late patch), a series that does not apply is told to its author once (which patch, onto
what, how to name the base), and an unthreaded series whose patch 1 comes last stays one
series. Real flows: public-inbox archive -> poll -> aiosmtpd on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mailenv import MailEnv, flat, mail_env
from mailfix import BROKEN_PATCH, DATE0, make_mail, sample_bodies, series_mails

# Patch 2/2 of a series: needs patch 1/2 (the lines it touches are adjacent only after it).
DEPENDENT = (
    "hw/misc/foo: comment the status field",
    """Say what it is.

Signed-off-by: Ada Example <ada@example.org>
---
diff --git a/hw/misc/foo.c b/hw/misc/foo.c
--- a/hw/misc/foo.c
+++ b/hw/misc/foo.c
@@ -24,6 +24,6 @@ static const VMStateDescription vmstate_foo = {
     .fields = (const VMStateField[]) {
         VMSTATE_PCI_DEVICE(parent_obj, FooState),
         VMSTATE_UINT32(ctrl, FooState),
-        VMSTATE_UINT32(status, FooState),
+        VMSTATE_UINT32(status, FooState), /* device status */
         VMSTATE_END_OF_LIST()
     }
 };
""",
)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[MailEnv]:
    with mail_env(tmp_path) as e:
        yield e


def test_late_patch_reopens_a_reviewed_series_once(env: MailEnv) -> None:
    mails = series_mails("m")
    env.add(mails[0], mails[1], mails[3])  # cover, 1/3, 3/3: 2/3 held by moderation
    env.poll()
    env.clock.t += 601
    r = env.poll()
    assert r.series_reviewed == 1
    assert env.replies_to("m.1@example.org") and not env.replies_to("m.2@example.org")
    env.add(mails[2])  # 2/3 is let through, after the verdict
    env.clock.t += 60
    r = env.poll()
    assert r.series_reviewed == 1 and any("late patch 2/3" in n for n in r.notes)
    (late,) = env.replies_to("m.2@example.org")
    assert "MIG006" in late.body
    assert len(env.replies_to("m.1@example.org")) == 1  # what was said is not said again
    assert env.poll().series_reviewed == 0  # once: nothing new, no new review
    st = env.store()
    assert st.covered_patches("m.0@example.org") == {1, 2, 3}


def test_apply_failure_is_told_once_and_a_late_patch_makes_it_apply(env: MailEnv) -> None:
    first = sample_bodies()[0]
    mails = series_mails("d", bodies=[first, DEPENDENT])
    env.add(mails[0], mails[2])  # cover and 2/2; 1/2, which 2/2 needs, is late
    env.poll()
    env.clock.t += 601
    r = env.poll()
    assert r.apply_failed == 1
    (told,) = env.replies_to("d.0@example.org")
    text = flat(told.body)
    assert "[PATCH 2/2] hw/misc/foo: comment the status field" in text
    assert "does not apply onto" in text and "(master at the series' date)" in text
    assert "base-commit:" in text and "b4 send" in text and "Based-on:" in text
    assert "patch 1/2 did not arrive" in text
    assert told.msg["To"] == "Ada Example <ada@example.org>"
    env.poll()
    assert len(env.got) == 1
    env.add(mails[1])
    env.clock.t += 60
    r = env.poll()
    assert r.series_reviewed == 1 and r.apply_failed == 0
    assert "MIG002" in env.replies_to("d.1@example.org")[0].body
    assert len(env.replies_to("d.0@example.org")) == 1
    st = env.store()
    status = st.series_status("d.0@example.org")
    assert status is not None and status[0] == "reviewed"


def test_a_series_still_not_applying_after_a_late_patch_is_not_told_again(env: MailEnv) -> None:
    mails = series_mails("x", bodies=[BROKEN_PATCH, DEPENDENT])
    env.add(mails[0], mails[1])
    env.clock.t += 601
    env.poll()
    env.clock.t += 601
    env.poll()
    assert len(env.replies_to("x.0@example.org")) == 1
    env.add(mails[2])
    env.clock.t += 60
    r = env.poll()
    assert r.apply_failed == 1 and len(env.got) == 1  # reviewed again, not told again


def _unthreaded(i: int, n: int = 3) -> bytes:
    title, body = sample_bodies()[i - 1]
    return make_mail(f"[PATCH {i}/{n}] {title}", body, msgid=f"u.{i}@example.org",
                     date=DATE0 + i)  # fmt: skip


def test_unthreaded_series_whose_first_patch_comes_last_stays_one_series(env: MailEnv) -> None:
    env.add(_unthreaded(2), _unthreaded(3))
    assert env.poll().series_pending == 1
    env.add(_unthreaded(1))
    env.clock.t += 30
    r = env.poll()
    assert r.series_reviewed == 1 and r.series_pending == 0
    st = env.store()
    assert list(st.all_series()) == ["u.2@example.org"]  # the key it had from the start
    assert {str(x.msg["In-Reply-To"]) for x in env.got} == {"<u.1@example.org>",
                                                           "<u.2@example.org>",
                                                           "<u.3@example.org>"}  # fmt: skip


def test_patches_after_a_lone_cover_letter_was_set_aside_are_reviewed(env: MailEnv) -> None:
    mails = series_mails("c")
    env.add(mails[0])
    env.poll()
    env.clock.t += 601
    env.poll()
    st = env.store()
    status = st.series_status("c.0@example.org")
    assert status is not None and status[0] == "skipped"
    env.add(*mails[1:])
    env.clock.t += 60
    assert env.poll().series_reviewed == 1
    assert len(env.got) == 3
