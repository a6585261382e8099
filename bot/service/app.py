"""The webhook web app (Starlette, served by uvicorn).

    POST /webhooks/gitlab   verify (X-Gitlab-Token or Standard Webhooks signature) -> cap the
                            body -> parse -> dedupe the delivery -> enqueue -> 202
    GET  /healthz           liveness (and that the queue answers)
    GET  /status            recent jobs, queue depth (HTML, or JSON by Accept); error text and
                            run details only with the token named by service.status_token_env
    GET  /metrics           Prometheus metrics (bot/service/metrics.py)

Nothing here talks to GitLab: the handler only decides whether an event deserves a job.
Permission checks and everything else that needs the API happen in the worker.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bot.config import Config
from bot.redact import shown
from bot.service.commands import find_command, has_accept
from bot.service.deliveries import open_deliveries
from bot.service.metrics import Metrics, metrics_route
from bot.service.queue import JobQueue
from bot.service.state import StateDB

log = logging.getLogger("migcheck.webhook")



class BodyTooLarge(Exception):
    """The request body exceeded service.max_body_bytes."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What an event asks for: a job (kind, slot, dedupe key, payload) or a reason to ignore."""

    kind: str = ""
    mr_key: str = ""
    slot: str = ""
    dedupe_key: str = ""
    payload: Mapping[str, Any] | None = None
    head: str = ""
    ignored: str = ""


def mr_key(project_id: int | str, iid: int | str) -> str:
    """The queue/state key of a merge request: '<project id>!<iid>'."""
    return f"{project_id}!{iid}"


def verify_token(given: str | None, secret: str) -> bool:
    """Constant-time comparison of X-Gitlab-Token with the shared secret."""
    if not secret or given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8"))


def _signing_key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_") :], validate=True)
        except ValueError:
            return secret.encode("utf-8")
    return secret.encode("utf-8")


def sign(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """The Standard Webhooks `webhook-signature` value (v1,<base64 HMAC-SHA256>)."""
    mac = hmac.new(_signing_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode("ascii")


def verify_signature(
    headers: Mapping[str, str], body: bytes, secret: str, *, tolerance: int, now: float
) -> bool:
    """Standard Webhooks check: id, fresh timestamp, any matching v1 signature."""
    msg_id = headers.get("webhook-id", "")
    ts = headers.get("webhook-timestamp", "")
    sigs = headers.get("webhook-signature", "")
    if not (secret and msg_id and ts and sigs):
        return False
    try:
        when = int(ts)
    except ValueError:
        return False
    if abs(now - when) > tolerance:
        return False
    expected = sign(secret, msg_id, ts, body)
    return any(
        hmac.compare_digest(expected.encode(), s.strip().encode())
        for s in sigs.split(" ")
        if s.strip().startswith("v1,")
    )


def _allowed(cfg: Config, project: Mapping[str, Any], project_id: Any) -> bool:
    allow = cfg.gitlab.projects
    if not allow:
        return True
    names = {
        str(project_id),
        str(project.get("id", "")),
        str(project.get("path_with_namespace", "")),
    }
    return bool(names & set(allow))


def _obj(value: object) -> Mapping[str, Any]:
    """A JSON object from a webhook payload, or {} when the sender put anything else there."""
    return value if isinstance(value, Mapping) else {}


def _is_id(value: object) -> TypeGuard[int]:
    """GitLab ids are positive integers (JSON numbers); anything else is a malformed event."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def decide(cfg: Config, state: StateDB, event: str, body: Mapping[str, Any]) -> Decision:
    """The job an event asks for (or why it is ignored). Reads the state DB, no API calls."""
    kind = body.get("object_kind")
    project = _obj(body.get("project"))
    if event == "Merge Request Hook" or kind == "merge_request":
        attrs = _obj(body.get("object_attributes"))
        pid = attrs.get("target_project_id") or project.get("id")
        iid = attrs.get("iid")
        if not _is_id(pid) or not _is_id(iid):
            return Decision(ignored="merge request event without a numeric project id and iid")
        if not _allowed(cfg, project, pid):
            return Decision(ignored=f"project {pid} is not in gitlab.projects")
        action = attrs.get("action") or ""
        if attrs.get("state", "opened") != "opened":
            return Decision(ignored=f"merge request is {attrs.get('state')}")
        head = str(_obj(attrs.get("last_commit")).get("id") or "")
        key = mr_key(pid, iid)
        if action not in ("open", "reopen", "update"):
            return Decision(ignored=f"action {action!r} does not change code")
        # A new target branch changes the base, hence the review, even with the same head.
        retarget = "target_branch" in _obj(body.get("changes"))
        target = str(attrs.get("target_branch") or "")
        if action == "update" and not retarget:
            # Not oldrev (missing on some GitLab versions): compare with what we know.
            enqueued, reviewed = state.heads(key)
            if not head or head in (enqueued, reviewed):
                return Decision(ignored="update without a new head or target branch")
        payload = {"project_id": pid, "iid": iid, "head": head, "trigger": action}
        if retarget:
            payload["trigger"] = "retarget"
        return Decision(
            kind="review",
            mr_key=key,
            slot=f"{key}:review",
            dedupe_key=f"review:{key}:{head}" + (f":{target}" if retarget else ""),
            payload=payload,
            head=head,
        )
    if event == "Note Hook" or kind == "note":
        attrs = _obj(body.get("object_attributes"))
        if attrs.get("noteable_type") != "MergeRequest":
            return Decision(ignored="note is not on a merge request")
        if attrs.get("system"):
            return Decision(ignored="system note")
        if attrs.get("action") not in (None, "create"):
            return Decision(ignored=f"note action {attrs.get('action')!r}")
        text = str(attrs.get("note") or "")
        user = _obj(body.get("user"))
        # By author only: a marker in the text proves nothing (anyone can type one).
        if cfg.gitlab.bot_username and user.get("username") == cfg.gitlab.bot_username:
            return Decision(ignored="the bot's own note")
        args = find_command(text, cfg.commands.name, cfg.gitlab.bot_username)
        accept = args is None and has_accept(text)
        if args is None and not accept:
            return Decision(ignored="no command in the note")
        mr = _obj(body.get("merge_request"))
        pid = mr.get("target_project_id") or project.get("id")
        iid = mr.get("iid")
        if not _is_id(pid) or not _is_id(iid):
            return Decision(ignored="note event without a merge request (numeric ids)")
        if not _allowed(cfg, project, pid):
            return Decision(ignored=f"project {pid} is not in gitlab.projects")
        key = mr_key(pid, iid)
        note_id = attrs.get("id")
        payload = {
            "project_id": pid,
            "iid": iid,
            "note_id": note_id,
            "discussion_id": attrs.get("discussion_id"),
            "user_id": user.get("id"),
            "username": user.get("username"),
            "args": args or "",
            "head": str(_obj(mr.get("last_commit")).get("id") or ""),
        }
        job = "waiver" if accept else "command"  # a waiver: re-review with it (bot.waivers)
        return Decision(
            kind=job,
            mr_key=key,
            slot=f"{key}:{job}:{note_id}",
            dedupe_key=f"{job}:{key}:{note_id}",
            payload=payload,
        )
    return Decision(ignored=f"event {event or kind!r} is not handled")


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(
    cfg: Config, queue: JobQueue, state: StateDB, metrics: Metrics | None = None
) -> Starlette:
    """The ASGI app; secrets are read once from the environment here. Metrics (GET /metrics)
    go to `metrics`, or to a fresh registry of the app's own (app.state.metrics)."""
    if metrics is None:
        from prometheus_client import CollectorRegistry

        metrics = Metrics.create(CollectorRegistry())
    metrics.track_queue(queue.counts)
    m = metrics
    secret = cfg.secret(
        cfg.gitlab.webhook_secret_env,
        what="gitlab.webhook_secret_env",
        required=not cfg.gitlab.signing_secret_env,
    )
    signing = cfg.signing_secret()
    started = time.time()

    status_token = ""
    if cfg.service.status_token_env:
        status_token = cfg.secret(
            cfg.service.status_token_env, what="service.status_token_env", required=False
        )

    def unauthorized(request: Request) -> Response:
        log.warning(
            "webhook: rejected delivery from %s (bad or missing token)",
            request.client.host if request.client else "?",
        )
        m.webhook_delivery("unauthorized")
        return JSONResponse({"error": "unauthorized"}, status_code=401)

    async def webhook(request: Request) -> Response:
        headers = request.headers
        signed = bool(signing) and "webhook-signature" in headers
        # The shared-secret header is checked before the body is read: the (large) body
        # limit is only for senders that know the secret.
        if not signed and not verify_token(headers.get("x-gitlab-token"), secret):
            return unauthorized(request)
        try:
            body = await _read_body(request, cfg.service.max_body_bytes)
        except BodyTooLarge:
            m.webhook_delivery("too_large")
            return JSONResponse({"error": "body too large"}, status_code=413)
        authed = not signed
        if signed:
            authed = verify_signature(
                headers, body, signing, tolerance=cfg.gitlab.signature_tolerance, now=time.time()
            )
        if not authed:
            return unauthorized(request)
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except (ValueError, UnicodeDecodeError) as exc:
            log.warning("webhook: bad JSON body (%d bytes): %s", len(body), exc)
            m.webhook_delivery("bad_request")
            return JSONResponse({"error": f"bad JSON: {exc}"}, status_code=400)
        event = headers.get("x-gitlab-event", "")
        delivery = (
            headers.get("idempotency-key")
            or headers.get("x-gitlab-event-uuid")
            or headers.get("webhook-id")
            or "sha256:" + hashlib.sha256(body).hexdigest()
        )
        return await run_in_threadpool(_accept, event, data, delivery)

    dedupe = open_deliveries(cfg.queue, state)  # bot/service/deliveries.py

    def _accept(event: str, data: dict[str, Any], delivery: str) -> Response:
        if not dedupe.claim(delivery):
            m.webhook_delivery("duplicate")
            return JSONResponse({"status": "duplicate", "delivery": delivery}, status_code=202)
        try:
            d = decide(cfg, state, event, data)
            if d.ignored:
                log.info("webhook: %s ignored: %s", delivery, d.ignored)
                m.webhook_delivery("ignored")
                return JSONResponse({"status": "ignored", "reason": d.ignored}, status_code=202)
            assert d.payload is not None
            payload = {**d.payload, "delivery": delivery}
            res = queue.enqueue(
                slot=d.slot,
                mr_key=d.mr_key,
                kind=d.kind,
                payload=payload,
                dedupe_key=d.dedupe_key,
            )
            if d.kind == "review" and d.head:
                state.set_enqueued_head(d.mr_key, d.head)
        except Exception as exc:
            dedupe.forget(delivery)  # let GitLab's retry in again
            log.exception("webhook: could not queue %s", delivery)
            state.set_error(shown(f"webhook: could not queue {delivery}: {exc}", 2000))
            m.webhook_delivery("error")
            return JSONResponse({"error": "could not queue the job"}, status_code=503)
        log.info("webhook: %s -> %s job %s (%s)", delivery, d.kind, res.job_id, res.status)
        m.webhook_delivery("queued")
        return JSONResponse(
            {"status": res.status, "job": res.job_id, "kind": d.kind}, status_code=202
        )

    async def healthz(request: Request) -> Response:
        try:
            depth = await run_in_threadpool(queue.depth)
        except Exception as exc:
            return JSONResponse({"status": "error", "error": str(exc)}, status_code=503)
        return JSONResponse({"status": "ok", "queue_depth": depth})

    def _status(full: bool) -> dict[str, Any]:
        err = state.value("last_error") if full else None
        return {
            "uptime_seconds": round(time.time() - started, 1),
            "queue_depth": queue.depth(),
            "jobs_by_state": queue.counts(),
            "last_error": {"text": err[0], "at": err[1]} if err else None,
            "recent_jobs": [
                {
                    "id": j.id,
                    "kind": j.kind,
                    "merge_request": j.mr_key,
                    "state": j.state,
                    "attempts": j.attempts,
                    "created_at": j.created_at,
                    "updated_at": j.updated_at,
                    "last_error": j.last_error if full else "",
                }
                for j in queue.recent(50)
            ],
            "recent_runs": [
                {
                    "job": h.job_id,
                    "kind": h.kind,
                    "merge_request": h.mr_key,
                    "head": h.head,
                    "status": h.status,
                    "started_at": h.started_at,
                    "finished_at": h.finished_at,
                    "detail": h.detail if full or h.status in ("done", "skipped") else "",
                }
                for h in state.history(50)
            ],
        }

    async def status(request: Request) -> Response:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        full = bool(status_token) and verify_token(given, status_token)
        if given and not full:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        data = await run_in_threadpool(_status, full)
        accept = request.headers.get("accept", "")
        if "application/json" in accept or request.query_params.get("format") == "json":
            return JSONResponse(data)
        return HTMLResponse(_status_html(data))

    app = Starlette(
        routes=[
            Route("/webhooks/gitlab", webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/status", status, methods=["GET"]),
            metrics_route(metrics.registry),
        ]
    )
    app.state.metrics = metrics
    return app


def _ts(v: Any) -> str:
    if not v:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(float(v)))


def _status_html(data: dict[str, Any]) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(str(j['id']))}</td><td>{e(j['kind'])}</td><td>{e(j['merge_request'])}</td>"
        f"<td>{e(j['state'])}</td><td>{j['attempts']}</td><td>{_ts(j['updated_at'])}</td>"
        f"<td>{e(j['last_error'][:200])}</td></tr>"
        for j in data["recent_jobs"]
    )
    runs = "".join(
        f"<tr><td>{e(h['job'])}</td><td>{e(h['kind'])}</td><td>{e(h['merge_request'])}</td>"
        f"<td>{e(h['head'][:12])}</td><td>{e(h['status'])}</td><td>{_ts(h['finished_at'])}</td>"
        f"<td>{e(h['detail'][:200])}</td></tr>"
        for h in data["recent_runs"]
    )
    err = data["last_error"]
    err_html = f"{e(err['text'])} ({_ts(err['at'])} UTC)" if err else "none"
    counts = ", ".join(f"{k}: {v}" for k, v in data["jobs_by_state"].items())
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>migcheck status</title></head>"
        "<body><h1>migcheck</h1>"
        f"<p>Queue depth: {data['queue_depth']} ({e(counts)})</p>"
        f"<p>Last error: {err_html}</p>"
        "<h2>Recent jobs</h2><table border='1'><tr><th>id</th><th>kind</th><th>MR</th>"
        f"<th>state</th><th>attempts</th><th>updated (UTC)</th><th>error</th></tr>{rows}</table>"
        "<h2>Recent runs</h2><table border='1'><tr><th>job</th><th>kind</th><th>MR</th>"
        f"<th>head</th><th>status</th><th>finished (UTC)</th><th>detail</th></tr>{runs}</table>"
        "</body></html>"
    )
