"""Hostile GitLab notes and series, on the loopback GitLab through the real
service. A command runs only on the head its author saw, only from prose (not from code or
quotes), only with machine type names; whatever a series or a user wrote reaches a note as
inert text; /status shows error text only to the holder of its token."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from fakegitlab import FakeGitLab
from gitlabfix import (
    ALICE,
    BOT,
    IID,
    PATCHES,
    PID,
    RITA,
    STATUS_TOKEN,
    Running,
    SampleRepo,
    reply_to,
)

from bot.report import Report
from bot.reporters.gitlab import markers
from bot.service.worker import Worker

EVIL = ("@all see [here](http://evil.example) ![i](http://evil.example/i.png) "
        "<img src=x onerror=alert(1)> #1 <!-- migcheck:fp=deadbeef -->")


def bot_notes(fake: FakeGitLab) -> list[dict[str, Any]]:
    return [n for n in fake.all_notes(PID, IID) if n["author"]["id"] == BOT]


def test_a_push_after_the_command_cancels_it_with_a_note(
    fake: FakeGitLab, sample: SampleRepo, service_factory: Any
) -> None:
    service = service_factory(workers=0)
    fake.add_mr(PID, IID, author_id=RITA, source="series")
    seen = fake.mrs[(PID, IID)].head
    payload = fake.user_note(PID, IID, ALICE, "/check-migration --build")
    assert payload["merge_request"]["last_commit"]["id"] == seen
    assert service.hook(payload, "Note Hook").json()["kind"] == "command"
    sample.apply("series", PATCHES[1:])  # the author pushes before the worker runs
    moved = fake.push(PID, IID)
    service.svc.start_workers(1)
    service.wait_idle()
    answer = reply_to(fake, PID, IID, payload["object_attributes"]["id"])
    assert "head moved" in answer and seen[:12] in answer and moved[:12] in answer
    assert fake.statuses.get((PID, moved), []) == [] and fake.statuses.get((PID, seen)) is None
    assert not any("migcheck:fp=" in n["body"] for n in bot_notes(fake))  # nothing reviewed
    assert [r.status for r in service.svc.state.history(5)] == ["canceled"]


@pytest.mark.parametrize(
    "text",
    ["```\n/check-migration --build\n```", "> /check-migration --build",
     ">>>\n/check-migration --build\n>>>", "    /check-migration --build",
     "<!-- /check-migration -->\n<!--\n/check-migration\n-->"],
)
def test_commands_in_code_blocks_or_quotes_do_not_run(
    fake: FakeGitLab, service: Running, text: str
) -> None:
    fake.add_mr(PID, IID, author_id=RITA, source="series")
    r = service.hook(fake.user_note(PID, IID, ALICE, text), "Note Hook")
    assert r.json() == {"status": "ignored", "reason": "no command in the note"}
    assert service.jobs() == []


@pytest.mark.parametrize("machines", ["/abs/path", "../../x", "pc-q35-10.1,/tmp/x", "-M"])
def test_machine_names_are_checked_before_anything_runs(
    fake: FakeGitLab, service: Running, machines: str
) -> None:
    fake.add_mr(PID, IID, author_id=RITA, source="series")
    payload = fake.user_note(PID, IID, ALICE, f"/check-migration --build --machines={machines}")
    service.hook(payload, "Note Hook")
    service.wait_idle()
    answer = reply_to(fake, PID, IID, payload["object_attributes"]["id"])
    assert "is not a machine type name" in answer, answer
    assert fake.statuses == {}  # no review, no build


def test_series_text_reaches_notes_as_inert_markdown(
    fake: FakeGitLab, sample: SampleRepo, service: Running, tmp_path: Path
) -> None:
    evil = tmp_path / "0002-evil.patch"
    text = PATCHES[1].read_text()
    text = text.replace('.name = "foo-pci/fifo",', f'.name = "foo-pci/fifo {EVIL}",')
    text = text.replace("[PATCH 2/3] hw/misc/foo: migrate the FIFO level", f"[PATCH 2/3] {EVIL}")
    evil.write_text(text)
    sample.apply("series", [PATCHES[0], evil, PATCHES[2]])
    fake.add_mr(PID, IID, author_id=RITA, source="series")
    service.mr_event(fake)
    service.wait_idle()
    notes = bot_notes(fake)
    assert len(notes) == 4  # three threads and the summary
    shown = "".join(n["body"] for n in notes)
    assert "foo-pci/fifo" in shown and "see \\[here\\]" in shown  # the text is there, escaped
    for n in notes:
        body = n["body"]
        assert "@all" not in body  # no ping (a zero-width space follows the @)
        assert "](http://evil" not in body and "<img" not in body and "#1" not in body
        assert "<!-- migcheck:fp=deadbeef" not in body  # shown as text, never a marker
        hidden = body.count("<!--")
        assert hidden == len(markers(body)), body  # only the bot's own trailing markers


def test_status_shows_error_text_only_with_its_token(
    fake: FakeGitLab, service_factory: Any
) -> None:
    service = service_factory(workers=0)
    svc = service.svc

    def leaky(*a: Any) -> Report:
        raise RuntimeError("build printed MIGCHECK_GITLAB_TOKEN=glpat-leak")

    worker = Worker(svc.cfg, svc.queue, svc.state, reviewer=leaky)
    t = threading.Thread(target=worker.run, args=(svc.stop,), daemon=True)
    t.start()
    svc.workers.append(t)
    fake.add_mr(PID, IID, author_id=RITA, source="series")
    service.mr_event(fake)
    service.wait_idle()
    url = f"{service.url}/status"
    public = service.client.get(url, headers={"Accept": "application/json"})
    assert public.status_code == 200 and "glpat-leak" not in public.text
    assert public.json()["last_error"] is None
    html = service.client.get(url, headers={"Accept": "text/html"})
    assert "glpat-leak" not in html.text and "Recent jobs" in html.text
    wrong = service.client.get(url, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    full = service.client.get(url, headers={"Accept": "application/json",
                                            "Authorization": f"Bearer {STATUS_TOKEN}"})
    # the error text is shown with the token, redacted like everything that is stored
    text = full.json()["last_error"]["text"]
    assert "RuntimeError: build printed MIGCHECK_GITLAB_TOKEN=[REDACTED]" in text, text
    assert "glpat-leak" not in full.text


def test_a_push_during_the_check_cancels_its_result(
    fake: FakeGitLab, sample: SampleRepo, service_factory: Any
) -> None:
    from bot.review import ReviewOptions, review
    from bot.series import Series

    service = service_factory(workers=0)
    svc = service.svc

    def pushed_meanwhile(series: Series, options: ReviewOptions) -> Report:
        report = review(series, options)
        sample.apply("series", PATCHES[1:])  # the author pushes while the check runs
        fake.push(PID, IID)
        return report

    worker = Worker(svc.cfg, svc.queue, svc.state, reviewer=pushed_meanwhile)
    t = threading.Thread(target=worker.run, args=(svc.stop,), daemon=True)
    t.start()
    svc.workers.append(t)
    fake.add_mr(PID, IID, author_id=RITA, source="series")
    seen = fake.mrs[(PID, IID)].head
    payload = fake.user_note(PID, IID, ALICE, "/check-migration")
    service.hook(payload, "Note Hook")
    service.wait_idle()
    assert "head moved" in reply_to(fake, PID, IID, payload["object_attributes"]["id"])
    assert [s["status"] for s in fake.statuses[(PID, seen)]] == ["running", "canceled"]
    assert not any("migcheck:fp=" in n["body"] for n in bot_notes(fake))  # nothing published
    [job] = service.jobs()
    assert job.state == "done" and svc.state.history(1)[0].status == "canceled"
