"""Waivers (bot.waivers): trailers, command lines, mail replies and the config list, applied
in the one review() on real git repositories; waived findings are notes that never block."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sources"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reporters"))

from gitfix import VMSD_BASE, VMSD_FIELD_REMOVED, GitRepo
from sarifcheck import validate_sarif

from bot.cli import main
from bot.errors import ConfigError
from bot.findings import Category, Finding, Severity, fingerprint
from bot.reporters import gitlab, sarif, text
from bot.review import ReviewOptions, review
from bot.sources.gitrange import series_from_range
from bot.waivers import (
    Waiver,
    WaiverError,
    apply_waivers,
    command_waivers,
    config_waivers,
    load_waivers,
    mail_waivers,
    parse_accept,
    trailer_waivers,
)

BUMPED = VMSD_BASE.replace(".version_id = 1,", ".version_id = 2,").replace(
    ".minimum_version_id = 1,", ".minimum_version_id = 2,"
)


def _finding(rule: str = "MIG004", path: str = "hw/misc/foo.c",
             entity: str = "vmstate_foo") -> Finding:  # fmt: skip
    return Finding(rule=rule, name="x", severity=Severity.ERROR, category=Category.OTHER,
                   confidence="high", message="m", fix_hint="h", path=path, line=1,
                   side="new", entity=entity,
                   fingerprint=fingerprint(rule, path, entity, "m"))  # fmt: skip


# ---- reading -------------------------------------------------------------------------------


def test_parse_accept_rule_glob_and_reason() -> None:
    w = parse_accept("accept mig004 pc-q35-2.x is gone", by="A <a@x>", source="trailer")
    assert (w.rule, w.target, w.reason) == ("MIG004", "*", "pc-q35-2.x is gone")
    w = parse_accept("accept MIG002:hw/misc/*.c dead register", by="x", source="note")
    assert (w.target, w.describe()) == ("hw/misc/*.c", "MIG002:hw/misc/*.c")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ("accept", "needs a rule id and a reason"),
        ("accept MIG004", "needs a reason"),
        ("accept MIG004   \t ", "needs a reason"),
        ("accept ../../etc/passwd because", "is not a rule id"),
        ("accept <img src=x> because", "is not a rule id"),
        ("reject MIG004 nope", "expected `accept RULE REASON`"),
    ],
)
def test_parse_accept_refuses_what_is_not_a_waiver(args: str, error: str) -> None:
    with pytest.raises(WaiverError, match=error):
        parse_accept(args, by="x", source="note")


def test_reason_is_one_capped_line_without_control_characters() -> None:
    w = parse_accept("accept MIG004 a\x1b[31mred\u202e\x00 " + "y" * 1000, by="x", source="note")
    assert "\x1b" not in w.reason and "\u202e" not in w.reason and "\x00" not in w.reason
    assert len(w.reason) == 300 and w.reason.endswith("…")


def test_command_lines_only_accept_lines_count() -> None:
    lines = ["thanks!", "/migcheck accept MIG004 old types are gone", "/migcheck accept MIG9",
             "/check-migration --build", " /migcheck accept MIG002:vmstate_foo unused"]
    got, problems = command_waivers(lines, by="@alice", source="note")
    assert [(w.rule, w.target, w.by) for w in got] == [
        ("MIG004", "*", "@alice"), ("MIG002", "vmstate_foo", "@alice")]  # fmt: skip
    assert len(problems) == 1 and "MIG9" in problems[0]


def test_mail_reply_reads_the_senders_own_lines_only() -> None:
    body = ("Fine by me.\n"
            "> /migcheck accept MIG002 quoted from the bot's mail\n"
            "/migcheck accept MIG004 pc-i440fx-2.x was removed in 10.0\n"
            "-- \n"
            "/migcheck accept MIG006 in the signature\n")  # fmt: skip
    got, problems = mail_waivers(body, "Maint <m@x>", origin="<reply@x>")
    assert [(w.rule, w.by, w.source, w.origin) for w in got] == [
        ("MIG004", "Maint <m@x>", "mail", "<reply@x>")]  # fmt: skip
    assert problems == []


def test_trailers_of_the_last_paragraph_with_author_and_committer(tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "r")
    r.tag("base", r.commit({"hw/misc/foo.c": VMSD_BASE}, "base"))
    r.commit({"hw/misc/foo.c": BUMPED}, (
        "hw/misc/foo: bump\n\n"
        "Migration-compat: accept MIG001 in the body, not a trailer\n\n"
        "Signed-off-by: Ada Example <ada@example.org>\n"
        "migration-compat: accept MIG004 only pc-q35-2.x sent v1\n"
        "Migration-compat: accept nothing-here\n"))  # fmt: skip
    series = series_from_range(str(r.path), "base..master")
    got, problems = trailer_waivers(series)
    assert [(w.rule, w.reason, w.by) for w in got] == [
        ("MIG004", "only pc-q35-2.x sent v1", "Ada Example <ada@example.org>")]  # fmt: skip
    assert len(problems) == 1 and "trailer ignored" in problems[0]


def test_config_list_errors_name_the_entry(tmp_path: Path) -> None:
    ok = config_waivers([{"rule": "mig002", "path": "hw/misc/*", "reason": "dead"}])
    assert ok == (Waiver("MIG002", "dead", "config", "config", "hw/misc/*", "*", ""),)
    for raw, msg in (
        ([{"rule": "MIG002"}], r"waiver\[0\].reason: a waiver needs a reason"),
        ([{"rule": "x", "reason": "r"}], r"waiver\[0\].rule"),
        ([{"rule": "MIG002", "reason": "r", "paths": "x"}], r"waiver\[0\].paths: unknown key"),
        ({"rule": "MIG002"}, "expected an array of tables"),
    ):
        with pytest.raises(ConfigError, match=msg):
            config_waivers(raw)
    bad = tmp_path / "w.toml"
    bad.write_text("[[waiver]]\nrule = 'MIG002'\n")
    with pytest.raises(ConfigError) as exc:
        load_waivers(bad)
    assert exc.value.exit_code == 2 and str(bad) in str(exc.value)


# ---- matching ------------------------------------------------------------------------------


def test_globs_over_path_and_entity() -> None:
    fs = [_finding(entity="vmstate_foo.subsections[foo-pci/fifo]"),
          _finding(entity="vmstate_foobar"),
          _finding(path="hw/net/e1000.c", entity="vmstate_e1000.fields[mac_reg]"),
          _finding(rule="MIG002")]  # fmt: skip

    def hits(w: Waiver) -> list[bool]:
        return [w.matches(f) for f in fs]

    assert hits(Waiver("MIG004", "r", "config", "config", entity="vmstate_foo")) == [
        True, False, False, False]  # fmt: skip
    assert hits(Waiver("MIG004", "r", "config", "config", entity="vmstate_foo*")) == [
        True, True, False, False]  # fmt: skip
    assert hits(Waiver("MIG004", "r", "config", "config", path="hw/net/*")) == [
        False, False, True, False]  # fmt: skip
    for target, want in (("foo-pci/fifo", [True, False, False, False]),
                         ("mac_reg", [False, False, True, False]),
                         ("hw/*/e1000.c", [False, False, True, False]),
                         ("foo", [False, False, False, False])):  # fmt: skip
        assert hits(parse_accept(f"accept MIG004:{target} r", by="x", source="note")) == want


def test_waived_findings_are_notes_and_unused_waivers_are_named() -> None:
    art = _finding(rule="ART010", path="", entity="migration:pc-q35-7.2:new->old")
    ws = [Waiver("ART010", "known 7.2 bug", "@alice", "note"),
          Waiver("MIG006", "nothing of it here", "config", "config")]  # fmt: skip
    out, unused = apply_waivers([art, _finding()], ws)
    assert out[0].severity is Severity.NOTE and out[0].waived is not None
    assert out[0].waived.severity is Severity.ERROR and out[0].fingerprint == art.fingerprint
    assert out[1] == _finding()
    assert unused == ("waiver MIG006 (config, config) matched no finding",)


# ---- through review() and the CLI ---------------------------------------------------------


@pytest.fixture()
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.tag("base", r.commit({"hw/misc/foo.c": VMSD_BASE, "hw/misc/bar.c": VMSD_BASE}, "base"))
    return r


def test_trailer_waiver_in_review_never_blocks(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"hw/misc/foo.c": VMSD_FIELD_REMOVED}, (
        "hw/misc/foo: drop scratch\n\nNobody ever wrote it.\n\n"
        "Migration-compat: accept MIG002 scratch was never written by any guest\n"
        "Signed-off-by: Ada Example <ada@example.org>\n"))  # fmt: skip
    series = series_from_range(str(repo.path), "base..master")
    report = review(series, ReviewOptions(repo=str(repo.path), cache_dir=None))
    (f,) = [f for f in report.findings if f.rule == "MIG002"]
    assert f.severity is Severity.NOTE and f.waived is not None
    assert f.waived.line() == ("waived by Ada Example <ada@example.org> (commit trailer; was "
                               "error): scratch was never written by any guest")  # fmt: skip
    assert not report.reaching("warning")
    out = text.render(report)
    assert "      waived by Ada Example" in out and "(1 waived)" in out
    doc = json.loads(sarif.render(report))
    assert validate_sarif(doc) == []
    (res,) = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "MIG002"]
    assert res["suppressions"][0]["status"] == "accepted"
    assert "Accepted:" in gitlab.inline_body(f, series)

    assert main(["check", "--repo", str(repo.path), "--no-index", "base..master"]) == 0
    assert "waived by Ada Example" in capsys.readouterr().out


def test_config_waiver_file_on_the_cli(repo: GitRepo, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    repo.commit({"hw/misc/foo.c": BUMPED, "hw/misc/bar.c": BUMPED}, "bump both")
    args = ["check", "--repo", str(repo.path), "--no-index", "base..master"]
    assert main(args) == 1
    capsys.readouterr()
    wf = tmp_path / "waivers.toml"
    wf.write_text('[[waiver]]\nrule = "MIG004"\npath = "hw/misc/foo.c"\nreason = "foo v1 is '
                  'only sent by machine types that were removed"\n')  # fmt: skip
    assert main([*args, "--waivers", str(wf)]) == 1  # bar.c still bumps
    out = capsys.readouterr().out
    assert out.count("waived by config (was error): foo v1") == 1
    wf.write_text(wf.read_text().replace('"hw/misc/foo.c"', '"hw/misc/*.c"'))
    assert main([*args, "--waivers", str(wf)]) == 0
    wf.write_text("[[waiver]]\nrule = 'MIG004'\n")
    assert main([*args, "--waivers", str(wf)]) == 2
    assert "waiver[0].reason" in capsys.readouterr().err


def test_front_end_waivers_and_notes_reach_the_report(repo: GitRepo) -> None:
    repo.commit({"hw/misc/foo.c": VMSD_FIELD_REMOVED}, "hw/misc/foo: drop scratch")
    series = series_from_range(str(repo.path), "base..master")
    got, _ = mail_waivers("/migcheck accept MIG002 ok by me\n", "Maint <m@x>")
    refused = ("@rita's /migcheck accept ignored: needs Developer",)
    opts = ReviewOptions(repo=str(repo.path), cache_dir=None, waivers=tuple(got),
                         waiver_notes=refused)  # fmt: skip
    report = review(series, opts)
    (f,) = [f for f in report.findings if f.rule == "MIG002"]
    assert f.waived is not None and f.waived.by == "Maint <m@x>" and f.waived.source == "mail"
    assert report.stats.waiver_notes == ("@rita's /migcheck accept ignored: needs Developer",)
    assert "waivers: @rita's /migcheck accept ignored" in text.render(report)
