"""End to end: real webhook deliveries to the running service (uvicorn on loopback), the
worker talking to the fake GitLab through python-gitlab, and the comments that appear."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from fakegitlab import FakeGitLab
from gitlabfix import ALICE, BOT, IID, MALLORY, PATCHES, PID, RITA, Running, reply_to, wait_until

from bot.service.app import sign


def bot_threads(fake: FakeGitLab) -> list[dict[str, Any]]:
    return [d for d in fake.discussions(PID, IID)
            if d["notes"][0]["author"]["id"] == BOT and "migcheck:fp=" in d["notes"][0]["body"]]


def summaries(fake: FakeGitLab) -> list[dict[str, Any]]:
    return [n for n in fake.all_notes(PID, IID)
            if n["author"]["id"] == BOT and "migcheck:summary" in n["body"]]


def statuses(fake: FakeGitLab, sha: str) -> list[str]:
    return [s["status"] for s in fake.statuses.get((PID, sha), [])]


def rule_of(d: dict[str, Any]) -> str:
    return d["notes"][0]["body"].split("**")[1].split()[0]


def test_open_posts_inline_threads_summary_and_status(fake: FakeGitLab, sample: Any,
                                                      service: Running) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    r = service.mr_event(fake, "open")
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued"
    service.wait_idle()
    threads = bot_threads(fake)
    by_rule = {rule_of(d): d["notes"][0] for d in threads}
    assert set(by_rule) == {"MIG002", "MIG006", "MIG030"}
    # removed line -> old_line only; added lines -> new_line only
    p2 = by_rule["MIG002"]["position"]
    assert p2["old_line"] == 27 and p2.get("new_line") is None
    assert by_rule["MIG006"]["position"].get("old_line") is None
    assert by_rule["MIG030"]["position"]["new_line"] > 0
    assert all(n["type"] == "DiffNote" for n in by_rule.values())
    [summary] = summaries(fake)
    assert "breaks live migration" in summary["body"]
    head = fake.mrs[(PID, IID)].head
    assert statuses(fake, head) == ["running", "failed"]
    assert fake.statuses[(PID, head)][-1]["name"] == "migration-compat"
    # the same head again (open re-delivered under a new id) -> nothing new, nothing edited
    before = json.dumps(fake.discussions(PID, IID))
    service.mr_event(fake, "reopen")
    service.wait_idle()
    assert json.dumps(fake.discussions(PID, IID)) == before


def test_wrong_or_missing_token_is_401_and_no_job(fake: FakeGitLab, service: Running) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    assert service.mr_event(fake, token=None).status_code == 401
    assert service.mr_event(fake, token="wrong").status_code == 401
    assert service.mr_event(fake, token="s3cret-hook-tokeN").status_code == 401
    assert service.jobs() == []
    time.sleep(0.3)
    assert fake.all_notes(PID, IID) == []


def test_same_delivery_five_times_is_one_job(fake: FakeGitLab, service: Running) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    answers = [service.mr_event(fake, delivery="delivery-1").json()["status"] for _ in range(5)]
    assert answers == ["queued"] + ["duplicate"] * 4
    service.wait_idle()
    assert len(service.jobs()) == 1
    assert len(bot_threads(fake)) == 3 and len(summaries(fake)) == 1


def test_second_push_resolves_old_threads_without_duplicates(
    fake: FakeGitLab, sample: Any, service: Running
) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    service.mr_event(fake, "open")
    service.wait_idle()
    first = {rule_of(d): d["id"] for d in bot_threads(fake)}
    # v2 drops patch 1 (the removed field): MIG002 disappears, the others shift lines.
    old_head = fake.mrs[(PID, IID)].head
    sample.apply("series", PATCHES[1:])
    fake.push(PID, IID)
    r = service.mr_event(fake, "update")
    assert r.json()["status"] == "queued"
    service.wait_idle()
    threads = bot_threads(fake)
    assert len(threads) == 3  # no duplicates
    state = {rule_of(d): (d["id"], d["notes"][0]["resolved"]) for d in threads}
    assert state["MIG002"] == (first["MIG002"], True)
    assert state["MIG006"] == (first["MIG006"], False)
    assert state["MIG030"] == (first["MIG030"], False)
    assert len(summaries(fake)) == 1
    new_head = fake.mrs[(PID, IID)].head
    assert new_head != old_head and statuses(fake, new_head)[-1] == "failed"
    # update without a new head (e.g. title edit) is not a job
    assert service.mr_event(fake, "update").json()["status"] == "ignored"
    # v3 is clean: every thread resolved, a short verdict-change note, status success
    sample.commit_on("series", "hw/misc/foo.c",
                     (sample.path / "hw/misc/foo.c").read_text(), "noop")
    sample.apply("series", [])
    sample.commit_on("series", "README", "docs only\n", "docs: add a README")
    fake.push(PID, IID)
    service.mr_event(fake, "update")
    service.wait_idle()
    assert all(d["notes"][0]["resolved"] for d in bot_threads(fake))
    assert len(bot_threads(fake)) == 3
    [summary] = summaries(fake)
    assert "no migration impact found" in summary["body"]
    verdict_notes = [n for n in fake.all_notes(PID, IID) if "migcheck:verdict" in n["body"]]
    assert len(verdict_notes) == 1 and "fail → **clean**" in verdict_notes[0]["body"]
    assert statuses(fake, fake.mrs[(PID, IID)].head)[-1] == "success"
    # v4 brings the whole series back: the auto-resolved threads re-open, nothing new
    sample.apply("series", PATCHES)
    fake.push(PID, IID)
    service.mr_event(fake, "update")
    service.wait_idle()
    threads = bot_threads(fake)
    assert {rule_of(d): d["id"] for d in threads} == first
    assert not any(d["notes"][0]["resolved"] for d in threads)
    assert not any("resolved by migcheck" in d["notes"][0]["body"] for d in threads)


def test_clean_merge_request_gets_quiet_summary_only(
    fake: FakeGitLab, sample: Any, service: Running
) -> None:
    sample.apply("docs", [])
    sample.commit_on("docs", "README", "hello\n", "docs: add a README")
    fake.add_mr(PID, IID, author_id=ALICE, source="docs")
    service.mr_event(fake)
    service.wait_idle()
    assert bot_threads(fake) == []
    [summary] = summaries(fake)
    assert "no migration impact found" in summary["body"]
    assert len(fake.all_notes(PID, IID)) == 1
    assert statuses(fake, fake.mrs[(PID, IID)].head)[-1] == "success"


def test_inline_cap_sends_the_rest_to_the_summary(fake: FakeGitLab, service_factory: Any) -> None:
    service = service_factory(review__max_inline_comments=1)
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    service.mr_event(fake)
    service.wait_idle()
    assert len(bot_threads(fake)) == 1
    [summary] = summaries(fake)
    assert summary["body"].count("| :") == 2  # two table rows
    assert "over the inline comment cap" in summary["body"]


def unresolved_threads(fake: FakeGitLab) -> list[dict[str, Any]]:
    """Threads that would block "All threads must be resolved" (not the bot's findings)."""
    return [d for d in fake.discussions(PID, IID)
            if not d["individual_note"] and "migcheck:fp=" not in d["notes"][0]["body"]
            and any(n["resolvable"] and not n["resolved"] for n in d["notes"])]


def test_non_member_command_is_refused_and_runs_no_review(
    fake: FakeGitLab, service: Running
) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    notes = []
    for uid in (MALLORY, RITA):
        payload = fake.user_note(PID, IID, uid, "please\n/check-migration --build")
        assert service.hook(payload, "Note Hook").status_code == 202
        notes.append(payload["object_attributes"]["id"])
    service.wait_idle()
    head = fake.mrs[(PID, IID)].head
    assert statuses(fake, head) == [] and summaries(fake) == [] and bot_threads(fake) == []
    replies = [reply_to(fake, PID, IID, n) for n in notes]
    assert "not a member" in replies[0] and replies[0].startswith("@mallory ")
    assert "you: Reporter" in replies[1]
    # answered with a top-level note, not in the command's thread: a reply would turn the
    # plain comment into an unresolved thread (GitLab's notes/build_service.rb)
    assert unresolved_threads(fake) == []
    assert all(d["individual_note"] for d in fake.discussions(PID, IID))
    runs = service.svc.state.history(10)
    assert sorted(r.status for r in runs) == ["refused", "refused"]


def test_developer_command_acknowledges_reviews_and_answers(
    fake: FakeGitLab, service: Running
) -> None:
    fake.add_mr(PID, IID, author_id=RITA, source="series")
    payload = fake.user_note(PID, IID, ALICE, "/check-migration")
    note_id = payload["object_attributes"]["id"]
    assert service.hook(payload, "Note Hook").json()["kind"] == "command"
    service.wait_idle()
    emoji = [e["name"] for e in fake.emoji[(PID, IID, note_id)]]
    assert emoji == ["x"]  # eyes while running, replaced by the verdict
    answer = reply_to(fake, PID, IID, note_id)
    assert "**fail**" in answer and answer.startswith("@alice ")
    assert f"#note_{note_id}" in answer  # links the command it answers
    assert len(bot_threads(fake)) == 3 and len(summaries(fake)) == 1
    assert unresolved_threads(fake) == []
    # bad arguments: explained, no review
    payload = fake.user_note(PID, IID, ALICE, "/check-migration --frobnicate")
    service.hook(payload, "Note Hook")
    service.wait_idle()
    answer = reply_to(fake, PID, IID, payload["object_attributes"]["id"])
    assert "unknown argument `--frobnicate`" in answer


def test_command_inside_a_thread_is_answered_in_that_thread(
    fake: FakeGitLab, service: Running
) -> None:
    fake.add_mr(PID, IID, author_id=RITA, source="series")
    service.mr_event(fake)
    service.wait_idle()
    [thread] = bot_threads(fake)[:1]
    with fake.lock:  # Alice replies in one of the bot's threads with the command
        d = next(x for x in fake.mrs[(PID, IID)].discussions if x["id"] == thread["id"])
        note = fake._note("/check-migration", ALICE, ntype="DiffNote", resolvable=True)
        note["discussion_id"] = d["id"]
        d["notes"].append(note)
    from fakegitlab import note_hook

    service.hook(note_hook(fake, PID, IID, ALICE, note, thread["id"]), "Note Hook")
    service.wait_idle()
    [d] = [x for x in fake.discussions(PID, IID) if x["id"] == thread["id"]]
    assert d["notes"][-1]["author"]["id"] == BOT and "step=end" in d["notes"][-1]["body"]


def test_system_bot_and_plain_notes_are_ignored(fake: FakeGitLab, service: Running) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    payload = fake.user_note(PID, IID, ALICE, "/check-migration")
    sysnote = json.loads(json.dumps(payload))
    sysnote["object_attributes"]["system"] = True
    assert service.hook(sysnote, "Note Hook").json()["reason"] == "system note"
    botnote = fake.user_note(PID, IID, BOT, "/check-migration\n<!-- migcheck:reply -->")
    assert service.hook(botnote, "Note Hook").json()["status"] == "ignored"
    plain = fake.user_note(PID, IID, ALICE, "looks good, but /check-migration is not a line")
    assert service.hook(plain, "Note Hook").json()["reason"] == "no command in the note"
    assert service.jobs() == []


def test_gitlab_429_and_502_are_retried_not_lost(fake: FakeGitLab, service: Running) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    # 502s: python-gitlab retries them itself (retry_transient_errors)
    fake.add_fault("POST", r"/discussions$", status=502, times=2)
    # more 429s than python-gitlab's 10 retries: the job fails and the queue retries it
    fake.add_fault("GET", r"/versions$", status=429, times=12, retry_after="0")
    service.mr_event(fake)
    service.wait_idle(90)
    [job] = service.jobs()
    assert job.state == "done" and job.attempts == 2
    assert len(bot_threads(fake)) == 3 and len(summaries(fake)) == 1
    served = [s for _, _, s in fake.requests]
    assert served.count(429) == 12 and served.count(502) == 2
    runs = [r.status for r in service.svc.state.history(10)]
    assert runs == ["done", "retry:queued"]


def test_bad_json_body_cap_and_event_uuid_dedupe(fake: FakeGitLab, service: Running) -> None:
    url = f"{service.url}/webhooks/gitlab"
    h = {"X-Gitlab-Token": "s3cret-hook-token", "X-Gitlab-Event": "Merge Request Hook"}
    assert service.client.post(url, content=b"{not json", headers=h).status_code == 400
    big = b"{" + b" " * (300 * 1024) + b"}"
    assert service.client.post(url, content=big, headers=h).status_code == 413
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    body = json.dumps(fake_mr_payload(fake))
    h2 = {**h, "X-Gitlab-Event-UUID": "uuid-1"}
    codes = [service.client.post(url, content=body, headers=h2).json()["status"]
             for _ in range(3)]
    assert codes == ["queued", "duplicate", "duplicate"]


def fake_mr_payload(fake: FakeGitLab) -> dict[str, Any]:
    from fakegitlab import mr_hook

    return mr_hook(fake, PID, IID, "open")


def test_signed_webhooks(fake: FakeGitLab, service: Running) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    body = json.dumps(fake_mr_payload(fake)).encode()
    secret = "whsec_c2lnbmluZy1zZWNyZXQ="
    url = f"{service.url}/webhooks/gitlab"

    def post(ts: int, sig: str) -> httpx.Response:
        h = {"webhook-id": "msg_1", "webhook-timestamp": str(ts), "webhook-signature": sig,
             "X-Gitlab-Event": "Merge Request Hook"}
        return service.client.post(url, content=body, headers=h)

    now = int(time.time())
    assert post(now, "v1,AAAA").status_code == 401
    assert post(now - 3600, sign(secret, "msg_1", str(now - 3600), body)).status_code == 401
    r = post(now, "v1,bogus " + sign(secret, "msg_1", str(now), body))
    assert r.status_code == 202 and r.json()["status"] == "queued"


def test_healthz_and_status(fake: FakeGitLab, service: Running) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    service.mr_event(fake)
    service.wait_idle()
    assert service.client.get(f"{service.url}/healthz").json()["status"] == "ok"
    data = service.client.get(f"{service.url}/status",
                              headers={"Accept": "application/json"}).json()
    assert data["queue_depth"] == 0
    assert data["recent_jobs"][0]["state"] == "done"
    assert data["recent_runs"][0]["status"] == "done"
    page = service.client.get(f"{service.url}/status", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "Recent jobs" in page.text and f"{PID}!{IID}" in page.text


def test_second_push_while_queued_supersedes(fake: FakeGitLab, sample: Any,
                                             service_factory: Any) -> None:
    service = service_factory(workers=0)
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    assert service.mr_event(fake).json()["status"] == "queued"
    sample.apply("series", PATCHES[1:])
    fake.push(PID, IID)
    assert service.mr_event(fake, "update").json()["status"] == "superseded"
    assert len(service.jobs()) == 1
    service.svc.start_workers(1)
    service.wait_idle()
    assert wait_until(lambda: service.svc.state.history(5))[0].head == fake.mrs[(PID, IID)].head
    assert {rule_of(d) for d in bot_threads(fake)} == {"MIG006", "MIG030"}


def test_build_command_passes_build_options_to_the_reviewer(
    fake: FakeGitLab, service_factory: Any
) -> None:
    import dataclasses
    import threading

    from bot.review import ReviewOptions, review
    from bot.series import Series
    from bot.service.worker import Worker

    service = service_factory(workers=0)
    seen: list[ReviewOptions] = []

    def spy(series: Series, options: ReviewOptions) -> Any:
        seen.append(options)
        return review(series, dataclasses.replace(options, artifacts=None))

    svc = service.svc
    worker = Worker(svc.cfg, svc.queue, svc.state, reviewer=spy)
    t = threading.Thread(target=worker.run, args=(svc.stop,), daemon=True)
    t.start()
    svc.workers.append(t)
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    payload = fake.user_note(PID, IID, ALICE, "/check-migration --build --machines pc-q35-10.1")
    service.hook(payload, "Note Hook")
    service.wait_idle()
    [options] = seen
    assert options.artifacts is not None and options.artifacts.machines == ("pc-q35-10.1",)
    assert options.artifacts.limits.build_seconds == svc.cfg.review.build_timeout
    assert options.touched_devices and options.cache_dir == svc.cfg.cache_dir
    assert "source + build" in reply_to(fake, PID, IID, payload["object_attributes"]["id"])
