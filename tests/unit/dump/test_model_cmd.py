"""`migcheck model`: index a real git repository and print the rendered dump."""

from __future__ import annotations

import json
from pathlib import Path

import pygit2
import pytest

from bot.cli import main

FIX = Path(__file__).parent / "fixtures"


def _repo(tmp_path: Path) -> tuple[str, str]:
    """A bare repo with the widget fixture committed; (path, commit id)."""
    path = tmp_path / "qemu.git"
    repo = pygit2.init_repository(str(path), bare=True)
    index = pygit2.Index()
    oid = repo.create_blob((FIX / "widget.c").read_bytes())
    index.add(pygit2.IndexEntry("hw/misc/widget.c", oid, pygit2.GIT_FILEMODE_BLOB))
    tree = index.write_tree(repo)
    sig = pygit2.Signature("t", "t@example.org", 1700000000, 0)
    cid = repo.create_commit("refs/heads/master", sig, sig, "c", tree, [])
    return str(path), str(cid)


def test_model_dump_format_with_types_from(tmp_path: Path) -> None:
    repo, cid = _repo(tmp_path)
    real = tmp_path / "real.json"
    real.write_text(json.dumps({"vmschkmachine": {"Name": "pc-q35-11.0"}, "widget": {}}))
    out = tmp_path / "model.json"
    rc = main([
        "model", "--repo", repo, "--rev", cid, "--format", "dump", "--types-from", str(real),
        "--cache-dir", str(tmp_path / "cache"), "-j", "1", "-o", str(out),
    ])
    assert rc == 0
    text = out.read_text()
    dump = json.loads(text)
    assert list(dump) == ["vmschkmachine", "widget"]
    assert dump["vmschkmachine"] == {"Name": "pc-q35-11.0"}
    assert dump["widget"]["Description"]["Subsections"][0]["name"] == "widget/extra"
    assert text.startswith('{\n  "vmschkmachine": {\n    "Name": "pc-q35-11.0"\n  },\n  "widget"')


def test_model_json_format_has_side_channel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = _repo(tmp_path)
    rc = main([
        "model", "--repo", repo, "--rev", "master", "--format", "json",
        "--types", "widget-plus,nope", "--cache-dir", str(tmp_path / "cache"), "-j", "1",
    ])
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc["dump"]) == ["vmschkmachine", "widget-plus"]
    assert ["widget-plus", "Description", "Fields", 2, "size"] in doc["unknown"]
    assert doc["origins"]["widget-plus"] == ["vmstate_widget", "hw/misc/widget.c"]
    assert doc["missing"] == ["nope"]


def test_model_bad_inputs_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo, _ = _repo(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    rc = main(["model", "--repo", repo, "--types-from", str(bad),
               "--cache-dir", str(tmp_path / "c")])
    assert rc == 2
    assert "not JSON" in capsys.readouterr().err
    rc = main(["model", "--repo", repo, "--rev", "no-such-rev",
               "--cache-dir", str(tmp_path / "c")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("migcheck: error:")
