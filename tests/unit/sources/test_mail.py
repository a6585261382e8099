"""bot.sources.mail: splitting mboxes, decoding subjects, refusing what is not a mail."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import InputError
from bot.sources.mail import is_cover_letter, read_mail_patches, strip_subject

DIFF = b"""diff --git a/a.c b/a.c
index 4e610c0..dc904e7 100644
--- a/a.c
+++ b/a.c
@@ -1 +1,2 @@
 int a;
+int b;
"""


def mail(
    subject: bytes, body: bytes = b"text\n", diff: bytes = DIFF, sep: bytes | None = None
) -> bytes:
    head = sep if sep is not None else b"From 1234567890abcdef Mon Sep 17 00:00:00 2001\n"
    return (
        head
        + b"From: Ada Example <ada@example.org>\n"
        + b"Subject: " + subject + b"\n"
        + b"Date: Mon, 5 Jan 2026 10:00:00 +0100\n\n"
        + body
        + (b"---\n" + diff if diff else b"")
    )  # fmt: skip


def test_one_mbox_many_messages_cover_letter_skipped(tmp_path: Path) -> None:
    box = tmp_path / "series.mbox"
    box.write_bytes(
        mail(b"[PATCH 0/2] cover", diff=b"")
        + b"\n"
        + mail(b"[PATCH 1/2] hw/a: one", body=b"From the manual: this is not a separator\n")
        + b"\n"
        + mail(b"[PATCH 2/2] hw/a: two")
    )
    patches, skipped = read_mail_patches([str(box)])
    assert [p.subject for p in patches] == ["[PATCH 1/2] hw/a: one", "[PATCH 2/2] hw/a: two"]
    assert [p.number for p in patches] == [2, 3]
    assert patches[0].label == f"{box} (message 2)"
    assert b"From the manual" in patches[0].raw
    assert len(skipped) == 1 and "cover letter" in skipped[0]
    assert patches[0].as_mbox().startswith(b"From ")


def test_several_format_patch_files_in_order(tmp_path: Path) -> None:
    files = []
    for i in (1, 2):
        p = tmp_path / f"000{i}.patch"
        p.write_bytes(mail(f"[PATCH {i}/2] change {i}".encode()))
        files.append(str(p))
    patches, _ = read_mail_patches(files)
    assert [p.source for p in patches] == files
    assert [p.label for p in patches] == files


def test_rfc2047_and_8bit_headers(tmp_path: Path) -> None:
    p = tmp_path / "x.patch"
    p.write_bytes(
        mail(b"=?UTF-8?q?=5BPATCH=5D_hw/foo=3A_caf=C3=A9?=\n =?iso-8859-1?q?_na=EFve?=").replace(
            b"Ada Example", b"J\xf6rg =?utf-8?q?M=C3=BCller?="
        )
    )
    (patch,), _ = read_mail_patches([str(p)])
    assert patch.subject == "[PATCH] hw/foo: café naïve"
    assert "Müller" in patch.author and patch.author.startswith("J")


def test_mail_without_mbox_separator(tmp_path: Path) -> None:
    p = tmp_path / "saved.eml"
    p.write_bytes(mail(b"[PATCH] saved from a mail client", sep=b""))
    (patch,), _ = read_mail_patches([str(p)])
    assert patch.subject == "[PATCH] saved from a mail client"


def test_mboxrd_is_detected(tmp_path: Path) -> None:
    p = tmp_path / "t.mbox"
    p.write_bytes(mail(b"[PATCH] x", sep=b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"))
    (patch,), _ = read_mail_patches([str(p)])
    assert patch.mboxrd


def test_subject_helpers() -> None:
    assert strip_subject("[PATCH v2 3/7] hw/foo: bar") == "hw/foo: bar"
    assert strip_subject("[RFC] [PATCH] x") == "x"
    assert is_cover_letter("[PATCH v3 00/12] series")
    assert not is_cover_letter("[PATCH v3 01/12] series")


# ---- bad input ----------------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.mbox"
    p.write_bytes(b"\n\n")
    with pytest.raises(InputError, match="empty file") as ei:
        read_mail_patches([str(p)])
    assert ei.value.input_name == str(p)


def test_not_an_mbox(tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_bytes(b"just some notes\nnot a mail at all\n")
    with pytest.raises(InputError, match="not an mbox"):
        read_mail_patches([str(p)])


def test_binary_garbage(tmp_path: Path) -> None:
    p = tmp_path / "x.mbox"
    p.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError, match="not an mbox"):
        read_mail_patches([str(p)])


def test_plain_diff_is_explained(tmp_path: Path) -> None:
    p = tmp_path / "x.diff"
    p.write_bytes(DIFF)
    with pytest.raises(InputError, match="plain diff") as ei:
        read_mail_patches([str(p)])
    assert ei.value.hint and "format-patch" in ei.value.hint


def test_only_cover_letter(tmp_path: Path) -> None:
    p = tmp_path / "cover.patch"
    p.write_bytes(mail(b"[PATCH 0/3] cover", diff=b""))
    with pytest.raises(InputError, match="no patches found"):
        read_mail_patches([str(p)])


def test_patch_without_from_header(tmp_path: Path) -> None:
    p = tmp_path / "x.patch"
    p.write_bytes(mail(b"[PATCH] x").replace(b"From: Ada Example <ada@example.org>\n", b""))
    with pytest.raises(InputError, match="without a From"):
        read_mail_patches([str(p)])


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_mail_patches([str(tmp_path / "nope.patch")])
    with pytest.raises(InputError, match="is a directory"):
        read_mail_patches([str(tmp_path)])
    with pytest.raises(InputError, match="no patch files"):
        read_mail_patches([])
