"""Fuzz the public entry points with ~500 generated bad inputs (hypothesis, bounded):
0 crashes, and every rejection is a clear error (exit 2 + `migcheck: error:` / a 4xx with a
JSON message), never a traceback or a 500.

    extract_file            150   C sources (never raises; parsed=False / parse_errors > 0)
    mail readers            100   split_mbox, parse_mail, read_messages, assemble, parse_subject
    read_mail_patches        50   InputError with a message, or patches
    migcheck check --base    60   mbox/patch files through bot.cli.main on a real git repo
                                  (half of them well-formed patches that apply, with random
                                  C edits, so git am, extraction, diff and rules all run)
    POST /webhooks/gitlab   140   Starlette TestClient on the real app (SQLite queue + state)
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_HERE = Path(__file__).resolve().parent
for _p in (_HERE, _HERE.parent / "unit" / "sources"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from fuzzgen import C_SOURCE, MBOX, PATH, applying_patch, hook_body  # noqa: E402
from gitfix import VMSD_BASE, GitRepo  # noqa: E402

from bot.cli import main  # noqa: E402
from bot.errors import BotError, InputError  # noqa: E402
from bot.model.extract import extract_file  # noqa: E402

FUZZ = settings(
    deadline=None,
    derandomize=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


# --- C sources -----------------------------------------------------------------------------
@settings(FUZZ, max_examples=150)
@given(data=C_SOURCE, path=st.sampled_from(["hw/misc/foo.c", "include/hw/foo.h", "x.c"]))
def test_extract_file_never_raises(data: bytes, path: str) -> None:
    model = extract_file(path, data)
    # extract_file turns any exception into a note: the extractor must not have needed that
    assert not [n for n in model.notes if "internal" in n], model.notes


# --- mail ----------------------------------------------------------------------------------
@settings(FUZZ, max_examples=100)
@given(data=MBOX)
def test_mail_readers(data: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    from bot.mail.assemble import assemble
    from bot.mail.subject import parse_subject
    from bot.sources.mail import parse_mail, read_messages, split_mbox

    msgs = split_mbox(data)
    for m in msgs:
        parse_subject(m.subject)
        assert m.msgid
    parse_mail(data)
    parse_mail(data, mboxrd=True)
    d = tmp_path_factory.mktemp("mbox")
    (d / "x.mbox").write_bytes(data)
    try:
        assert len(read_messages(str(d / "x.mbox"))) == len(msgs)
    except InputError as err:  # empty / no messages: a clear error is the contract
        assert str(err) and not msgs
    assemble(msgs)


@settings(FUZZ, max_examples=50)
@given(data=MBOX)
def test_read_mail_patches_errors_are_clear(
    data: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from bot.sources.mail import read_mail_patches

    f = tmp_path_factory.mktemp("patches") / "0001-x.patch"
    f.write_bytes(data)
    try:
        patches, _skipped = read_mail_patches([str(f)])
    except InputError as err:
        text = str(err)
        assert text and "Traceback" not in text
        return
    assert patches and all(p.subject and p.author for p in patches)


# --- migcheck check --base REV FILE ---------------------------------------------------------
@pytest.fixture(scope="module")
def base_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[GitRepo, str]:
    r = GitRepo(tmp_path_factory.mktemp("fuzzrepo") / "repo")
    base = r.commit({"VERSION": "10.1.50\n", "hw/misc/foo.c": VMSD_BASE, "README": "x\n"}, "base")
    return r, base


@contextlib.contextmanager
def _captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


@settings(FUZZ, max_examples=60)
@given(data=st.one_of(MBOX, applying_patch("hw/misc/foo.c", VMSD_BASE)), name=PATH)
def test_check_base_file(
    data: bytes,
    name: str,
    base_repo: tuple[GitRepo, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    repo, base = base_repo
    d = tmp_path_factory.mktemp("in")
    f = d / (Path(name).name or "p.patch")
    f.write_bytes(data)
    with _captured() as (_out, err):
        try:
            rc = main(
                [
                    "check",
                    "--repo",
                    str(repo.path),
                    "--base",
                    base,
                    "--cache-dir",
                    str(d / "cache"),
                    str(f),
                ]
            )
        except SystemExit as exc:  # argparse: only for a FILE that looks like an option
            rc = int(exc.code or 0)
    text = err.getvalue()
    assert "Traceback" not in text, text
    assert rc in (0, 1, 2), (rc, text)
    if rc == 2:
        assert "migcheck: error:" in text or "usage:" in text, text


# --- webhook --------------------------------------------------------------------------------
SECRET = "fuzz-secret-value"


@pytest.fixture(scope="module")
def webhook_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from starlette.testclient import TestClient

    from bot.commands.serve import build_service
    from bot.config import parse_config

    state_dir = tmp_path_factory.mktemp("svc")
    cfg = parse_config(
        {
            "service": {"state_dir": str(state_dir), "max_body_bytes": 4096},
            "gitlab": {"webhook_secret_env": "MIGCHECK_FUZZ_SECRET"},
        }
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MIGCHECK_FUZZ_SECRET", SECRET)
        svc = build_service(cfg)
    try:
        with TestClient(svc.app, raise_server_exceptions=True) as client:
            yield client
    finally:
        svc.close()


@settings(FUZZ, max_examples=140)
@given(
    hook=hook_body(),
    token=st.sampled_from([SECRET, SECRET, SECRET, "", "wrong", SECRET + " "]),
    idem=st.one_of(st.none(), st.text(min_size=1, max_size=20).filter(str.isprintable)),
)
def test_webhook_bodies(
    hook: tuple[str, bytes], token: str, idem: str | None, webhook_client: Any
) -> None:
    event, body = hook
    headers = {"X-Gitlab-Event": event, "Content-Type": "application/json"}
    if token:
        headers["X-Gitlab-Token"] = token
    if idem:
        headers["Idempotency-Key"] = idem.encode("ascii", "ignore").decode() or "k"
    r = webhook_client.post("/webhooks/gitlab", content=body, headers=headers)
    assert r.status_code in (202, 400, 401, 413), (r.status_code, r.text)
    payload = r.json()
    assert isinstance(payload, dict)
    if r.status_code == 202:
        assert (
            payload.get("status")
            in ("queued", "duplicate", "ignored", "superseded", "exists", "pending")
            or "job" in payload
        ), payload
    else:
        assert payload.get("error"), payload
    if token != SECRET:
        assert r.status_code == 401
    assert webhook_client.get("/healthz").status_code == 200


def test_webhook_oversized_body(webhook_client: Any) -> None:
    r = webhook_client.post(
        "/webhooks/gitlab", content=b"{" + b" " * 10_000 + b"}", headers={"X-Gitlab-Token": SECRET}
    )
    assert r.status_code == 413 and json.loads(r.text)["error"]


def test_bot_error_is_the_base() -> None:
    assert issubclass(InputError, BotError)
