"""What bites on a real GitLab (issue 13), each on the loopback server behaving as GitLab does
(tests/integration/gitlab/fakegitlab.py names the GitLab source of every such rule)."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fakegitlab import FakeGitLab, mr_hook
from gitlabfix import ALICE, BOT, IID, PATCHES, PID, RITA, Running, SampleRepo, git, wait_until

from bot.report import Report
from bot.reporters.gitlab import FP_RE, markers
from bot.review import ReviewOptions, review
from bot.series import Series
from bot.service.worker import Transient, Worker


def bot_threads(fake: FakeGitLab, iid: int = IID) -> list[dict[str, Any]]:
    return [d for d in fake.discussions(PID, iid)
            if d["notes"][0]["author"]["id"] == BOT and "migcheck:fp=" in d["notes"][0]["body"]]


def summaries(fake: FakeGitLab, iid: int = IID) -> list[dict[str, Any]]:
    return [n for n in fake.all_notes(PID, iid)
            if n["author"]["id"] == BOT and "migcheck:summary" in n["body"]]


def states(fake: FakeGitLab, sha: str, pid: int = PID) -> list[str]:
    return [s["status"] for s in fake.statuses.get((pid, sha), [])]


def rule_of(d: dict[str, Any]) -> str:
    return d["notes"][0]["body"].split("**")[1].split()[0]


def with_reviewer(service: Running, reviewer: Any) -> Worker:
    """Run one worker thread with `reviewer` in the (worker-less) service."""
    svc = service.svc
    worker = Worker(svc.cfg, svc.queue, svc.state, reviewer=reviewer)
    t = threading.Thread(target=worker.run, args=(svc.stop,), daemon=True)
    t.start()
    svc.workers.append(t)
    return worker


# --- 1. a bot without Developer ------------------------------------------------------------


def test_reporter_bot_publishes_and_warns_instead_of_failing(
    fake: FakeGitLab, sample: SampleRepo, service: Running, caplog: pytest.LogCaptureFixture
) -> None:
    fake.projects[PID].members[BOT] = 20  # Reporter: no resolve, no commit status
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    service.mr_event(fake)
    service.wait_idle()
    assert len(bot_threads(fake)) == 3 and states(fake, fake.mrs[(PID, IID)].head) == []
    sample.apply("series", PATCHES[1:])  # v2: MIG002 disappears, its thread cannot be resolved
    fake.push(PID, IID)
    service.mr_event(fake, "update")
    service.wait_idle()
    assert [j.state for j in service.jobs()] == ["done", "done"]
    [summary] = summaries(fake)
    assert fake.mrs[(PID, IID)].head in summary["body"]  # the summary still follows the MR
    assert "needs the Developer role" in summary["body"]
    assert any("Developer" in r.getMessage() for r in caplog.records)


# --- 2. a final status for every outcome ---------------------------------------------------


def test_internal_error_ends_with_a_failed_status(
    fake: FakeGitLab, service_factory: Any
) -> None:
    service = service_factory(workers=0)

    def broken(*a: Any) -> Report:
        raise RuntimeError("a bug")

    with_reviewer(service, broken)
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    service.mr_event(fake)
    service.wait_idle()
    assert states(fake, fake.mrs[(PID, IID)].head) == ["running", "failed"]
    desc = fake.statuses[(PID, fake.mrs[(PID, IID)].head)][-1]["description"]
    assert "a bug" not in desc  # the public status carries no error text of a bug


def test_job_out_of_retries_ends_with_a_failed_status_and_a_reply(
    fake: FakeGitLab, service_factory: Any
) -> None:
    service = service_factory(workers=0, queue__max_attempts=2)

    def flaky(*a: Any) -> Report:
        raise Transient("git fetch from the project failed")

    with_reviewer(service, flaky)
    fake.add_mr(PID, IID, author_id=RITA, source="series")
    payload = fake.user_note(PID, IID, ALICE, "/check-migration")
    service.hook(payload, "Note Hook")
    service.wait_idle()
    [job] = service.jobs()
    assert (job.state, job.attempts) == ("failed", 2)
    # the queue marks the job failed first, then the worker ends its status and answers
    wait_until(lambda: states(fake, fake.mrs[(PID, IID)].head)[-1] == "failed", 10)
    from gitlabfix import reply_to

    note = payload["object_attributes"]["id"]
    assert "could not run this check" in wait_until(lambda: reply_to(fake, PID, IID, note), 10)


def test_a_newer_push_cancels_the_status_an_older_job_left_running(
    fake: FakeGitLab, sample: SampleRepo, service_factory: Any
) -> None:
    service = service_factory(workers=0, queue__backoff_base=1.0, queue__backoff_max=1.0)
    calls: list[str] = []

    def once_flaky(series: Series, options: ReviewOptions) -> Report:
        calls.append(series.head)
        if len(calls) == 1:
            raise Transient("GitLab answered 502")
        return review(series, options)

    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    old = fake.mrs[(PID, IID)].head
    service.mr_event(fake)
    with_reviewer(service, once_flaky)
    wait_until(lambda: calls)  # the first attempt failed after posting `running` on old
    sample.apply("series", PATCHES[1:])
    new = fake.push(PID, IID)
    service.mr_event(fake, "update")
    service.wait_idle()
    assert states(fake, old) == ["running", "canceled"]
    assert states(fake, new)[-1] == "failed" and "running" in states(fake, new)


# --- 3. ref: fork MRs and the source branch's pipeline ------------------------------------


def test_fork_merge_request_gets_its_status(
    fake: FakeGitLab, sample: SampleRepo, service: Running, tmp_path: Path
) -> None:
    fork = tmp_path / "fork"
    subprocess.run(["git", "clone", "-q", str(sample.path), str(fork)], check=True)
    git(fork, "checkout", "-q", "-b", "topic", "origin/series")
    git(sample.path, "branch", "-D", "series")  # the branch lives in the fork only
    fake.add_project(43, "alice/qemu", str(fork), members={ALICE: 50}, forked_from=PID)
    fake.add_mr(PID, IID, author_id=ALICE, source="topic", source_project_id=43)
    service.mr_event(fake)
    service.wait_idle()
    head = fake.mrs[(PID, IID)].head
    assert states(fake, head) == ["running", "failed"]
    assert {s["ref"] for s in fake.statuses[(PID, head)]} == {f"refs/merge-requests/{IID}/head"}
    assert len(bot_threads(fake)) == 3


def test_status_joins_the_source_branch_pipeline(fake: FakeGitLab, service: Running) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    head = fake.mrs[(PID, IID)].head
    git(Path(fake.projects[PID].repo_path), "branch", "another", head)
    fake.projects[PID].members[RITA] = 30
    import gitlab

    gl = gitlab.Gitlab(fake.base_url, private_token="rita-token")
    commit = gl.projects.get(PID, lazy=True).commits.get(head, lazy=True)
    commit.statuses.create({"state": "success", "name": "other-ci", "ref": "another"})
    service.mr_event(fake)
    service.wait_idle()
    ours = [s for s in fake.statuses[(PID, head)] if s["name"] == "migration-compat"]
    assert {s["ref"] for s in ours} == {"series"}  # not the other pipeline's ref
    pipeline = next(p for p in fake.pipelines[PID] if p["ref"] == "series")
    assert fake.mrs[(PID, IID)].head_pipeline_id == pipeline["id"]


def test_status_lock_409_is_waited_out_not_a_failed_job(
    fake: FakeGitLab, service: Running
) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    head = fake.mrs[(PID, IID)].head
    fake.status_locks.add((PID, head))  # another update of this SHA's statuses is running
    threading.Timer(1.5, lambda: fake.status_locks.discard((PID, head))).start()
    service.mr_event(fake)
    service.wait_idle()
    [job] = service.jobs()
    assert (job.state, job.attempts) == ("done", 1)
    assert 409 in [c for _, _, c in fake.requests]
    assert states(fake, head)[-1] == "failed"


# --- 4. saved, then 502 --------------------------------------------------------------------


def test_every_write_failing_once_after_saving_leaves_one_thread_per_finding(
    fake: FakeGitLab, sample: SampleRepo, service: Running
) -> None:
    fake.add_mr(PID, IID, author_id=RITA, source="series")
    fake.fail_writes_once_after_saving = True
    service.mr_event(fake)
    service.wait_idle(90)
    assert sorted(rule_of(d) for d in bot_threads(fake)) == ["MIG002", "MIG006", "MIG030"]
    assert len(summaries(fake)) == 1
    head = fake.mrs[(PID, IID)].head
    assert states(fake, head) == ["running", "failed"]
    # a command, then v2 (a resolve, a verdict note): still nothing twice
    payload = fake.user_note(PID, IID, ALICE, "/check-migration")
    service.hook(payload, "Note Hook")
    service.wait_idle(90)
    sample.apply("series", PATCHES[1:])
    fake.push(PID, IID)
    service.mr_event(fake, "update")
    service.wait_idle(90)
    threads = bot_threads(fake)
    assert sorted(rule_of(d) for d in threads) == ["MIG002", "MIG006", "MIG030"]
    assert len(summaries(fake)) == 1
    replies = [n for n in fake.all_notes(PID, IID) if "migcheck:reply" in n["body"]]
    assert len(replies) == 1
    emoji = fake.emoji[(PID, IID, payload["object_attributes"]["id"])]
    assert [e["name"] for e in emoji] == ["x"]
    assert all(j.state == "done" for j in service.jobs())
    assert 502 in [c for _, _, c in fake.requests]


def test_a_duplicate_thread_left_by_an_earlier_failure_is_removed(
    fake: FakeGitLab, service: Running
) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    service.mr_event(fake)
    service.wait_idle()
    first = bot_threads(fake)[0]
    with fake.lock:  # what a blindly retried POST used to leave behind
        mr = fake.mrs[(PID, IID)]
        d = fake._new_discussion(mr, first["notes"][0]["body"], BOT, individual=False,
                                 position=first["notes"][0]["position"])
    service.mr_event(fake, "reopen")
    service.wait_idle()
    assert [x["id"] for x in bot_threads(fake)].count(d["id"]) == 0
    assert len(bot_threads(fake)) == 3


# --- 7. threads GitLab resolved on push ----------------------------------------------------


def test_thread_auto_resolved_by_a_push_is_reopened_while_the_finding_stays(
    fake: FakeGitLab, sample: SampleRepo, service: Running
) -> None:
    fake.projects[PID].resolve_outdated_diff_discussions = True
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    service.mr_event(fake)
    service.wait_idle()
    foo = git(sample.path, "show", "series:hw/misc/foo.c")
    changed = foo.replace("turbo, true),", "turbo, true), /* faster */", 1)
    assert changed != foo
    sample.commit_on("series", "hw/misc/foo.c", changed + "\n", "hw/misc/foo: comment turbo")
    fake.push(PID, IID, pusher=ALICE)
    by_rule = {rule_of(d): d for d in bot_threads(fake)}
    assert by_rule["MIG030"]["notes"][0]["resolved"]  # GitLab resolved it: line changed
    service.mr_event(fake, "update")
    service.wait_idle()
    by_rule = {rule_of(d): d for d in bot_threads(fake)}
    assert not by_rule["MIG030"]["notes"][0]["resolved"]  # the finding is still there
    [summary] = summaries(fake)
    assert "a reviewer resolved" not in summary["body"]


def test_a_thread_a_reviewer_resolved_stays_resolved(
    fake: FakeGitLab, service: Running
) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    service.mr_event(fake)
    service.wait_idle()
    import gitlab

    gl = gitlab.Gitlab(fake.base_url, private_token="alice-token")
    mr = gl.projects.get(PID).mergerequests.get(IID)
    d = mr.discussions.get(bot_threads(fake)[0]["id"])
    d.resolved = True
    d.save()
    service.mr_event(fake, "reopen")
    service.wait_idle()
    assert any(x["notes"][0]["resolved"] for x in bot_threads(fake))
    assert "a reviewer resolved" in summaries(fake)[0]["body"]


# --- 8, 9. big deliveries, retargets, access levels ---------------------------------------


def test_a_delivery_over_2_mib_is_accepted_with_the_default_limit(
    fake: FakeGitLab, service_factory: Any
) -> None:
    service = service_factory(service__max_body_bytes=25 * 1024 * 1024)
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    payload = mr_hook(fake, PID, IID, "update")
    payload["object_attributes"]["description"] = "x" * (1024 * 1024)
    payload["changes"] = {"description": {"previous": "y" * (1024 * 1024),
                                          "current": "x" * (1024 * 1024)}}  # fmt: skip
    assert len(json.dumps(payload)) > 3 * 1024 * 1024
    r = service.hook(payload, "Merge Request Hook")
    assert r.status_code == 202 and r.json()["status"] == "queued", r.text
    # without the token the body is not even read
    assert service.hook(payload, "Merge Request Hook", token="wrong").status_code == 401


def test_default_body_limit_is_gitlabs_25_mib() -> None:
    from bot.config import ServiceConfig

    assert ServiceConfig().max_body_bytes == 25 * 1024 * 1024


def test_retarget_with_the_same_head_is_reviewed_again(
    fake: FakeGitLab, sample: SampleRepo, service: Running
) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    service.mr_event(fake)
    service.wait_idle()
    git(sample.path, "branch", "stable-10.1", "master")
    fake.mrs[(PID, IID)].target_branch = "stable-10.1"
    fake.push(PID, IID)
    payload = mr_hook(fake, PID, IID, "update")
    payload["changes"] = {"target_branch": {"previous": "master", "current": "stable-10.1"}}
    r = service.hook(payload, "Merge Request Hook")
    assert r.json()["status"] == "queued", r.text
    service.wait_idle()
    assert len(service.jobs()) == 2


@pytest.mark.parametrize(("level", "name"), [(15, "Planner"), (5, "Minimal access")])
def test_planner_and_minimal_access_are_named(
    fake: FakeGitLab, service: Running, level: int, name: str
) -> None:
    from gitlabfix import MALLORY, reply_to

    fake.projects[PID].members[MALLORY] = level
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    payload = fake.user_note(PID, IID, MALLORY, "/check-migration")
    service.hook(payload, "Note Hook")
    service.wait_idle()
    assert f"you: {name})" in reply_to(fake, PID, IID, payload["object_attributes"]["id"])


# --- positions GitLab accepts --------------------------------------------------------------


def test_form_feeds_in_c_files_keep_positions_right(
    fake: FakeGitLab, sample: SampleRepo, service: Running
) -> None:
    foo = (sample.path / "hw/misc/foo.c").read_text()
    # a form feed inside a line (old C files have them): git and GitLab count it as no line end
    sample.commit_on("master", "hw/misc/foo.c", foo.replace("\n", "\n/* \f */\n", 1),
                     "hw/misc/foo: a page break")
    sample.apply("series", PATCHES)
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    service.mr_event(fake)
    service.wait_idle()
    assert sorted(rule_of(d) for d in bot_threads(fake)) == ["MIG002", "MIG006", "MIG030"]
    [summary] = summaries(fake)
    assert "rejected" not in summary["body"]


def test_markers_are_trailing_and_only_ours(fake: FakeGitLab, service: Running) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    service.mr_event(fake)
    service.wait_idle()
    for d in bot_threads(fake):
        [m] = markers(d["notes"][0]["body"])
        assert FP_RE.fullmatch(m)
    time.sleep(0)
