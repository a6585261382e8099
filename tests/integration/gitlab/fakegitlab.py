"""A small stateful GitLab API (v4) server for tests, served on loopback over real HTTP.

Implements what migcheck calls through python-gitlab: /user, projects, members/all,
merge requests (same-project and from forks), versions (diffs computed with pygit2 from a
real repository), commits, discussions (positioned, with GitLab's 400 for a bad line
position), notes, award emoji, commit statuses; pagination headers (X-Page, X-Total,
X-Next-Page, Link); and injectable faults (429 with Retry-After, 502, delays) per method +
path pattern, before the write or after it ("saved, then 502").

Where GitLab's behaviour matters to migcheck the fake follows GitLab's source; each such
place names the file it follows (paths in the gitlab-org/gitlab repository, also mirrored
as gitlabhq/gitlabhq), so a reader can check it:

* who may resolve a thread: lib/api/helpers/notes_helpers.rb (resolve_discussion ->
  403 unless discussion.can_resolve?), app/models/concerns/resolvable_discussion.rb
  (can_resolve?: the MR author or :resolve_note on the project), app/policies/
  project_policy.rb (:resolve_note from Developer);
* commit statuses: lib/api/commit_statuses.rb and app/services/ci/
  create_commit_status_service.rb (Developer (:create_commit_status / :update_pipeline),
  `ref` or the ref of a pipeline for the SHA or a branch containing it, else 404
  "References for commit"; only a pending/running status of the same name and ref is
  updated, a finished one gets a new status; StateMachines::InvalidTransition -> 400;
  a held per-SHA lock -> 409 "Another update to this commit status is in progress");
* replies: app/services/notes/build_service.rb (a reply converts an individual note into
  a discussion, which on a merge request is a resolvable, unresolved thread; a reply to a
  resolved thread is itself resolved);
* pushes: app/services/discussions/update_diff_position_service.rb and app/services/
  system_notes/merge_requests_service.rb (diff_discussion_outdated): a thread whose line
  the push changed is outdated; with the project's resolve_outdated_diff_discussions it is
  resolved by the pusher and gets a system note "changed this line in version N of the
  diff"; other threads move to the new diff;
* positions: lib/gitlab/diff/lines_unfolder.rb (an unchanged line outside every hunk is
  accepted: GitLab unfolds the diff around it), lib/gitlab/diff/parser.rb (lines are split
  on "\n" only, as Ruby's each_line: a form feed is part of a line, unlike
  str.splitlines());
* sizes: app/services/web_hook_service.rb (REQUEST_BODY_SIZE_LIMIT = 25.megabytes, the
  largest delivery GitLab sends).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

import pygit2
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerThread:
    """uvicorn serving an ASGI app on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@dataclass
class Fault:
    method: str
    path_re: str
    status: int = 502
    times: int = 1
    retry_after: str | None = None
    delay: float = 0.0
    hits: int = 0
    after: bool = False  # do the request (the write is saved), then answer `status`
    message: str = ""  # the error body's message (default "<status> injected")


@dataclass
class Project:
    id: int
    path: str
    repo_path: str
    members: dict[int, int] = field(default_factory=dict)
    resolve_outdated_diff_discussions: bool = False
    forked_from: int | None = None


@dataclass
class MergeRequest:
    project_id: int
    iid: int
    id: int
    title: str
    author_id: int
    source_branch: str
    target_branch: str
    source_project_id: int = 0
    state: str = "opened"
    head_pipeline_id: int | None = None
    head: str = ""
    versions: list[dict[str, Any]] = field(default_factory=list)
    discussions: list[dict[str, Any]] = field(default_factory=list)


def _now() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


def _lines(text: str) -> list[str]:
    """Split like Ruby's each_line / git: on "\n" only (a form feed stays in its line)."""
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def _diff_lines(text: str) -> tuple[set[int], set[int], set[tuple[int, int]]]:
    """(added new lines, removed old lines, context (old, new) pairs) of hunk text."""
    added: set[int] = set()
    removed: set[int] = set()
    context: set[tuple[int, int]] = set()
    o = n = 0
    for line in _lines(text):
        m = re.match(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@", line)
        if m:
            o, n = int(m.group(1)), int(m.group(2))
            continue
        if line.startswith("+"):
            added.add(n)
            n += 1
        elif line.startswith("-"):
            removed.add(o)
            o += 1
        elif line.startswith("\\"):
            continue
        else:
            context.add((o, n))
            o += 1
            n += 1
    return added, removed, context


def _hunk_ranges(text: str) -> list[tuple[int, int, int, int]]:
    """(old start, old count, new start, new count) of each hunk header."""
    out = []
    for m in re.finditer(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", text, re.M):
        out.append((int(m.group(1)), int(m.group(2) or 1), int(m.group(3)),
                    int(m.group(4) or 1)))
    return out


def _unfoldable(text: str, old_line: int, new_line: int, old_size: int) -> bool:
    """Whether (old_line, new_line) is an unchanged line outside every hunk, as GitLab's
    LinesUnfolder accepts it: inside the old blob, in a gap between hunks, and with the
    new line number the hunks before it imply."""
    if old_line < 1 or old_line > old_size:
        return False
    delta = 0
    for o1, oc, n1, nc in _hunk_ranges(text):
        o_start = o1 if oc else o1 + 1  # "-5,0" inserts after old line 5
        n_start = n1 if nc else n1 + 1
        if old_line < o_start:
            break
        if old_line < o_start + oc:
            return False  # inside a hunk: only its own lines count
        delta = (n_start + nc) - (o_start + oc)
    return new_line == old_line + delta


class FakeGitLab:
    """The state and the Starlette app."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[int, dict[str, Any]] = {}
        self.tokens: dict[str, int] = {}
        self.projects: dict[int, Project] = {}
        self.mrs: dict[tuple[int, int], MergeRequest] = {}
        # every status transition, in order (a snapshot per POST that changed something)
        self.statuses: dict[tuple[int, str], list[dict[str, Any]]] = {}
        # per project: pipelines {id, sha, ref, source, jobs: [status objects]}
        self.pipelines: dict[int, list[dict[str, Any]]] = {}
        self.status_locks: set[tuple[int, str]] = set()  # held per-SHA locks (-> 409)
        self.lock_wait = 0.2  # GitLab retries its lock 20 x 0.5 s; tests need less
        self.emoji: dict[tuple[int, int, int], list[dict[str, Any]]] = {}
        self.faults: list[Fault] = []
        self.fail_writes_once_after_saving = False
        self._writes_seen: set[str] = set()
        self._outdated: set[str] = set()  # discussion ids a push made outdated
        self.requests: list[tuple[str, str, int]] = []
        self._ids = itertools.count(1000)
        self.base_url = ""
        self.app = self._build_app()

    # --- setup helpers ----------------------------------------------------------------
    def add_user(self, uid: int, username: str, token: str | None = None) -> dict[str, Any]:
        with self.lock:
            u = {"id": uid, "username": username, "name": username.title(), "state": "active"}
            self.users[uid] = u
            if token:
                self.tokens[token] = uid
            return u

    def add_project(self, pid: int, path: str, repo_path: str, members: dict[int, int], *,
                    resolve_outdated_diff_discussions: bool = False,
                    forked_from: int | None = None) -> Project:
        with self.lock:
            p = Project(pid, path, repo_path, dict(members), resolve_outdated_diff_discussions,
                        forked_from)
            self.projects[pid] = p
            return p

    def access(self, pid: int, uid: int) -> int:
        """The user's access level on the project (0: not a member)."""
        return self.projects[pid].members.get(uid, 0)

    def add_mr(
        self, pid: int, iid: int, *, author_id: int, source: str, target: str = "master",
        title: str = "A series", source_project_id: int | None = None,
    ) -> MergeRequest:
        with self.lock:
            mr = MergeRequest(pid, iid, next(self._ids), title, author_id, source, target,
                              source_project_id or pid)
            self.mrs[(pid, iid)] = mr
            self.push(pid, iid)
            return mr

    def _fetch_fork_head(self, mr: MergeRequest) -> None:
        """GitLab copies a fork MR's source branch into the target project as
        refs/merge-requests/N/head (the fork's branch itself is not in the target)."""
        src = self.projects[mr.source_project_id].repo_path
        dst = self.projects[mr.project_id].repo_path
        subprocess.run(["git", "-C", dst, "fetch", "-q", "--no-tags", src,
                        f"+refs/heads/{mr.source_branch}:refs/merge-requests/{mr.iid}/head"],
                       check=True, capture_output=True)

    def push(self, pid: int, iid: int, *, pusher: int | None = None) -> str:
        """Take the source branch tip as the MR head: new version, refs/merge-requests/N/head,
        then move or outdate the diff threads (update_diff_position_service.rb)."""
        with self.lock:
            mr = self.mrs[(pid, iid)]
            repo = pygit2.Repository(self.projects[pid].repo_path)
            if mr.source_project_id != pid:
                self._fetch_fork_head(mr)
                head = repo.references[f"refs/merge-requests/{iid}/head"].target
            else:
                head = repo.references[f"refs/heads/{mr.source_branch}"].target
                repo.references.create(f"refs/merge-requests/{iid}/head", head, force=True)
            target = repo.references[f"refs/heads/{mr.target_branch}"].target
            base = repo.merge_base(head, target)
            mr.head = str(head)
            diff = repo.diff(repo[base], repo[head], context_lines=3)
            diffs = []
            for patch in diff:
                d = patch.delta
                text = patch.text or ""
                at = text.find("\n@@")
                body = text[at + 1 :] if at >= 0 else ""
                diffs.append(
                    {
                        "old_path": d.old_file.path,
                        "new_path": d.new_file.path,
                        "a_mode": "100644",
                        "b_mode": "100644",
                        "new_file": d.status == pygit2.enums.DeltaStatus.ADDED,
                        "renamed_file": d.status == pygit2.enums.DeltaStatus.RENAMED,
                        "deleted_file": d.status == pygit2.enums.DeltaStatus.DELETED,
                        "diff": body,
                    }
                )
            version = {
                "id": next(self._ids),
                "head_commit_sha": str(head),
                "base_commit_sha": str(base),
                "start_commit_sha": str(target),
                "created_at": _now(),
                "merge_request_id": mr.id,
                "state": "collected",
                "real_size": str(len(diffs)),
                "diffs": diffs,
                "commits": self._commits(repo, base, head),
            }
            previous = mr.versions[-1] if mr.versions else None
            mr.versions.append(version)
            if previous is not None:
                self._update_positions(mr, previous, version, pusher or mr.author_id)
            return str(head)

    # --- diff positions across pushes -------------------------------------------------
    def _blob_text(self, mr: MergeRequest, sha: str, path: str) -> str | None:
        repo = pygit2.Repository(self.projects[mr.project_id].repo_path)
        try:
            obj = repo[sha].peel(pygit2.Commit).tree[path]
        except KeyError:
            return None
        return bytes(repo[obj.id].data).decode("utf-8", "replace")

    def _map_line(self, mr: MergeRequest, old_sha: str, new_sha: str, path: str,
                  line: int) -> int | None:
        """The line in new_sha's file that line of old_sha's file became; None if changed."""
        if old_sha == new_sha:
            return line
        a = self._blob_text(mr, old_sha, path)
        b = self._blob_text(mr, new_sha, path)
        if a is None or b is None:
            return None
        patch = pygit2.Patch.create_from(a.encode(), b.encode(), context_lines=0)
        delta = 0
        for h in patch.hunks:
            o_start = h.old_start if h.old_lines else h.old_start + 1
            n_start = h.new_start if h.new_lines else h.new_start + 1
            if line < o_start:
                break
            if line < o_start + h.old_lines:
                return None
            delta = (n_start + h.new_lines) - (o_start + h.old_lines)
        return line + delta

    def _trace(self, mr: MergeRequest, old_v: dict[str, Any], new_v: dict[str, Any],
               pos: dict[str, Any]) -> dict[str, Any] | None:
        """A position carried to the new version (Gitlab::Diff::PositionTracer, simplified):
        None when the push changed its line (the thread is outdated)."""
        old_line, new_line = pos.get("old_line"), pos.get("new_line")
        moved = dict(pos, base_sha=new_v["base_commit_sha"], start_sha=new_v["start_commit_sha"],
                     head_sha=new_v["head_commit_sha"])
        if new_line is not None:
            n2 = self._map_line(mr, old_v["head_commit_sha"], new_v["head_commit_sha"],
                                pos["new_path"], int(new_line))
            if n2 is None:
                return None
            moved["new_line"] = n2
        if old_line is not None:
            o2 = self._map_line(mr, old_v["base_commit_sha"], new_v["base_commit_sha"],
                                pos["old_path"], int(old_line))
            if o2 is None:
                return None
            moved["old_line"] = o2
        return moved if self._check_position(mr, moved) is None else None

    def _update_positions(self, mr: MergeRequest, old_v: dict[str, Any],
                          new_v: dict[str, Any], pusher: int) -> None:
        project = self.projects[mr.project_id]
        for d in mr.discussions:
            first = d["notes"][0]
            pos = first.get("position")
            if first["type"] != "DiffNote" or not pos or d["id"] in self._outdated:
                continue
            if pos.get("head_sha") != old_v["head_commit_sha"]:
                continue
            moved = self._trace(mr, old_v, new_v, pos)
            if moved is not None:
                for n in d["notes"]:
                    if n.get("position"):
                        n["position"] = dict(moved)
                continue
            self._outdated.add(d["id"])
            if project.resolve_outdated_diff_discussions:
                for n in d["notes"]:
                    if n["resolvable"] and not n["resolved"]:
                        self._resolve_note(n, pusher)
            index = len(mr.versions)
            sysnote = self._note(f"changed this line in version {index} of the diff", pusher,
                                 ntype="DiscussionNote")
            sysnote["system"] = True
            sysnote["discussion_id"] = d["id"]
            d["notes"].append(sysnote)

    def _resolve_note(self, n: dict[str, Any], uid: int | None) -> None:
        n["resolved"] = uid is not None
        n["resolved_by"] = dict(self.users[uid]) if uid is not None else None
        n["resolved_at"] = _now() if uid is not None else None

    def _commits(self, repo: pygit2.Repository, base: Any, head: Any) -> list[dict[str, Any]]:
        out = []
        walker = repo.walk(head, pygit2.enums.SortMode.TOPOLOGICAL)
        walker.hide(base)
        for c in walker:
            out.append(
                {
                    "id": str(c.id),
                    "short_id": str(c.id)[:8],
                    "title": c.message.splitlines()[0],
                    "message": c.message,
                    "author_name": c.author.name,
                }
            )
        return out

    def add_fault(self, method: str, path_re: str, status: int = 502, times: int = 1,
                  retry_after: str | None = None, delay: float = 0.0,
                  after: bool = False, message: str = "") -> Fault:
        """Answer `status` to the next `times` matching requests; with after=True the request
        is carried out first (a proxy timeout or a 5xx after GitLab committed the write);
        `message`: what the error body says (a proxy may echo the request's headers)."""
        with self.lock:
            f = Fault(method.upper(), path_re, status, times, retry_after, delay, after=after,
                      message=message)
            self.faults.append(f)
            return f

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()
            self.fail_writes_once_after_saving = False

    def user_note(self, pid: int, iid: int, uid: int, body: str) -> dict[str, Any]:
        """A note by a user (as if typed in the UI); returns the Note Hook payload."""
        with self.lock:
            mr = self.mrs[(pid, iid)]
            d = self._new_discussion(mr, body, uid, individual=True)
            note = d["notes"][0]
            return note_hook(self, pid, iid, uid, note, d["id"])

    # --- views used by tests ----------------------------------------------------------
    def all_notes(self, pid: int, iid: int) -> list[dict[str, Any]]:
        with self.lock:
            mr = self.mrs[(pid, iid)]
            return [n for d in mr.discussions for n in d["notes"]]

    def discussions(self, pid: int, iid: int) -> list[dict[str, Any]]:
        with self.lock:
            return json.loads(json.dumps(self.mrs[(pid, iid)].discussions))

    # --- internals ----------------------------------------------------------------------
    def _note(self, body: str, uid: int, *, ntype: str | None, position: Any = None,
              resolvable: bool = False) -> dict[str, Any]:
        return {
            "id": next(self._ids),
            "type": ntype,
            "body": body,
            "author": dict(self.users[uid]),
            "created_at": _now(),
            "updated_at": _now(),
            "system": False,
            "noteable_type": "MergeRequest",
            "resolvable": resolvable,
            "resolved": False,
            "resolved_by": None,
            "resolved_at": None,
            "position": position,
        }

    def _new_discussion(self, mr: MergeRequest, body: str, uid: int, *, individual: bool,
                        position: Any = None) -> dict[str, Any]:
        ntype = None if individual else ("DiffNote" if position else "DiscussionNote")
        note = self._note(body, uid, ntype=ntype, position=position, resolvable=not individual)
        d = {
            "id": hashlib.sha1(str(note["id"]).encode()).hexdigest(),
            "individual_note": individual,
            "notes": [note],
        }
        note["discussion_id"] = d["id"]
        mr.discussions.append(d)
        return d

    def _check_position(self, mr: MergeRequest, pos: dict[str, Any]) -> str | None:
        v = next(
            (
                v for v in mr.versions
                if v["head_commit_sha"] == pos.get("head_sha")
                and v["base_commit_sha"] == pos.get("base_sha")
                and v["start_commit_sha"] == pos.get("start_sha")
            ),
            None,
        )
        if v is None:
            return "position shas do not match a version of this merge request"
        d = next(
            (d for d in v["diffs"]
             if d["new_path"] == pos.get("new_path") and d["old_path"] == pos.get("old_path")),
            None,
        )
        if d is None:
            return "line_code can't be blank"
        added, removed, context = _diff_lines(d["diff"])
        old, new = pos.get("old_line"), pos.get("new_line")
        if d["new_file"] and old is not None:
            return "line_code must be a valid line code"
        if new is not None and old is None and new in added:
            return None
        if old is not None and new is None and old in removed:
            return None
        if old is not None and new is not None and (old, new) in context:
            return None
        if (old is not None and new is not None and not d["new_file"]
                and not d["deleted_file"]):
            base_text = self._blob_text(mr, v["base_commit_sha"], d["old_path"]) or ""
            if _unfoldable(d["diff"], int(old), int(new), len(_lines(base_text))):
                return None  # lines_unfolder.rb: GitLab expands the diff around it
        return "line_code can't be blank, must be a valid line code"

    def _build_app(self) -> Starlette:
        fake = self

        def err(status: int, msg: Any) -> JSONResponse:
            return JSONResponse({"message": msg}, status_code=status)

        def paginate(request: Request, items: list[Any]) -> Response:
            page = int(request.query_params.get("page", "1"))
            per = min(100, int(request.query_params.get("per_page", "20")))
            total = len(items)
            pages = max(1, -(-total // per))
            chunk = items[(page - 1) * per : page * per]
            headers = {
                "X-Page": str(page),
                "X-Per-Page": str(per),
                "X-Total": str(total),
                "X-Total-Pages": str(pages),
                "X-Next-Page": str(page + 1) if page < pages else "",
                "X-Prev-Page": str(page - 1) if page > 1 else "",
            }
            links = []
            params = dict(request.query_params)
            base = f"{fake.base_url}{request.url.path}"
            for rel, p in (("next", page + 1), ("first", 1), ("last", pages)):
                if rel == "next" and page >= pages:
                    continue
                params.update(page=str(p), per_page=str(per))
                links.append(f'<{base}?{urlencode(params)}>; rel="{rel}"')
            headers["Link"] = ", ".join(links)
            return JSONResponse(chunk, headers=headers)

        def auth(request: Request) -> int | None:
            token = request.headers.get("private-token") or ""
            if not token:
                bearer = request.headers.get("authorization", "")
                token = bearer.removeprefix("Bearer ")
            return fake.tokens.get(token)

        def project_of(raw: str) -> Project | None:
            key = raw
            if key.isdigit():
                return fake.projects.get(int(key))
            return next((p for p in fake.projects.values() if p.path == key), None)

        def mr_json(mr: MergeRequest) -> dict[str, Any]:
            v = mr.versions[-1]
            p = fake.projects[mr.project_id]
            return {
                "id": mr.id, "iid": mr.iid, "project_id": mr.project_id, "title": mr.title,
                "state": mr.state, "draft": False,
                "author": dict(fake.users[mr.author_id]),
                "source_branch": mr.source_branch, "target_branch": mr.target_branch,
                "source_project_id": mr.source_project_id, "target_project_id": mr.project_id,
                "sha": mr.head,
                "diff_refs": {"base_sha": v["base_commit_sha"], "head_sha": v["head_commit_sha"],
                              "start_sha": v["start_commit_sha"]},
                "web_url": f"{fake.base_url}/{p.path}/-/merge_requests/{mr.iid}",
            }

        async def dispatch(request: Request) -> Response:
            method = request.method
            path = request.url.path
            after: Fault | None = None
            for f in list(fake.faults):
                if f.method in (method, "*") and re.search(f.path_re, path) and f.hits < f.times:
                    f.hits += 1
                    if f.delay:
                        await asyncio.sleep(f.delay)
                    if f.after:
                        after = f
                        break
                    if f.status:
                        headers = {"Retry-After": f.retry_after} if f.retry_after else {}
                        fake.requests.append((method, path, f.status))
                        return JSONResponse({"message": f.message or f"{f.status} injected"},
                                            status_code=f.status, headers=headers)
                    break
            body: Any = None
            raw = b""
            if method in ("POST", "PUT"):
                raw = await request.body()
                ctype = request.headers.get("content-type", "")
                if raw and "json" in ctype:
                    body = json.loads(raw)
                else:
                    form = await request.form()
                    body = dict(form)
            m = re.fullmatch(r"/api/v4/projects/(\d+)/statuses/(\w+)", path)
            if method == "POST" and m:
                # create_commit_status_service.rb: in_lock(per SHA), retried, else 409
                key = (int(m.group(1)), m.group(2))
                if key in fake.status_locks:
                    await asyncio.sleep(fake.lock_wait)
                    if key in fake.status_locks:
                        fake.requests.append((method, path, 409))
                        return err(409, "Another update to this commit status is in progress")
            with fake.lock:
                resp = handle(request, method, path, body or {})
                write = method in ("POST", "PUT", "DELETE") and resp.status_code < 300
                key = f"{method} {path} {raw.decode('utf-8', 'replace')}"
                if write and fake.fail_writes_once_after_saving and key not in fake._writes_seen:
                    fake._writes_seen.add(key)
                    fake.requests.append((method, path, 502))
                    return JSONResponse({"message": "502 saved, then lost"}, status_code=502)
            if after is not None and after.status:
                fake.requests.append((method, path, after.status))
                return JSONResponse({"message": f"{after.status} injected after saving"},
                                    status_code=after.status)
            fake.requests.append((method, path, resp.status_code))
            return resp

        def handle(request: Request, method: str, path: str, body: dict[str, Any]) -> Response:
            uid = auth(request)
            if uid is None:
                return err(401, "401 Unauthorized")
            if not path.startswith("/api/v4/"):
                return err(404, "404 Not found")
            raw = request.scope.get("raw_path", path.encode()).decode().split("?", 1)[0]
            parts = [unquote(x) for x in raw[len("/api/v4/"):].split("/")]
            if parts == ["user"]:
                return JSONResponse(fake.users[uid])
            if parts[0] != "projects" or len(parts) < 2:
                return err(404, "404 Not found")
            p = project_of(parts[1])
            if p is None:
                return err(404, "404 Project Not Found")
            rest = parts[2:]
            if not rest:
                return JSONResponse({
                    "id": p.id, "path_with_namespace": p.path, "default_branch": "master",
                    "http_url_to_repo": p.repo_path,
                    "web_url": f"{fake.base_url}/{p.path}",
                })
            if rest[:2] == ["members", "all"] and len(rest) == 3:
                level = p.members.get(int(rest[2]))
                if level is None:
                    return err(404, "404 Not found")
                u = fake.users[int(rest[2])]
                return JSONResponse({**u, "access_level": level})
            if rest[0] == "statuses" and len(rest) == 2 and method == "POST":
                return post_status(p, uid, rest[1], body)
            if rest[:2] == ["repository", "commits"] and len(rest) == 4 and rest[3] == "statuses":
                return list_statuses(request, p, rest[2])
            if rest[0] != "merge_requests" or len(rest) < 2:
                return err(404, "404 Not found")
            mr = fake.mrs.get((p.id, int(rest[1])))
            if mr is None:
                return err(404, "404 Not found")
            sub = rest[2:]
            if not sub:
                return JSONResponse(mr_json(mr))
            if sub == ["commits"]:
                return paginate(request, mr.versions[-1]["commits"])
            if sub == ["versions"]:
                vs = [{k: v for k, v in ver.items() if k not in ("diffs", "commits")}
                      for ver in reversed(mr.versions)]
                return paginate(request, vs)
            if sub[0] == "versions" and len(sub) == 2:
                v = next((v for v in mr.versions if v["id"] == int(sub[1])), None)
                if v is None:
                    return err(404, "404 Not found")
                return JSONResponse({k: x for k, x in v.items()})
            if sub[0] == "discussions":
                return discussions(request, method, mr, uid, sub[1:], body)
            if sub[0] == "notes":
                return notes(request, method, mr, uid, sub[1:], body)
            return err(404, "404 Not found")

        # Commit statuses: lib/api/commit_statuses.rb, create_commit_status_service.rb.
        transitions = {  # the state machine of CommitStatus (event, from-states)
            "pending": ("enqueue", ("created", "skipped")),
            "running": ("run", ("pending",)),
            "success": ("success", ("created", "pending", "running")),
            "failed": ("drop", ("created", "pending", "running")),
            "canceled": ("cancel", ("created", "pending", "running")),
        }

        def post_status(p: Project, uid: int, sha: str, body: dict[str, Any]) -> Response:
            if fake.access(p.id, uid) < 30:  # :create_commit_status is Developer and up
                return err(403, "403 Forbidden")
            repo = pygit2.Repository(p.repo_path)
            try:
                repo[sha].peel(pygit2.Commit)
            except (KeyError, ValueError):
                return err(404, "404 Commit Not Found")
            state = str(body.get("state") or "")
            if state not in transitions:
                return err(400, "state does not have a valid value")
            pipes = fake.pipelines.setdefault(p.id, [])
            ref = body.get("ref") or next(
                (pl["ref"] for pl in reversed(pipes) if pl["sha"] == sha), None)
            if not ref:
                ref = next((b for b in sorted(repo.branches.local)
                            if repo.descendant_of(repo.branches.local[b].target, sha)
                            or str(repo.branches.local[b].target) == sha), None)
            if not ref:
                return err(404, "404 References for commit Not Found")
            pipeline = next((pl for pl in reversed(pipes)
                             if pl["sha"] == sha and pl["ref"] == ref), None)
            if pipeline is None:
                pipeline = {"id": next(fake._ids), "sha": sha, "ref": ref, "source": "external",
                            "jobs": []}
                pipes.append(pipeline)
            name = str(body.get("name") or body.get("context") or "default")
            job = next((j for j in reversed(pipeline["jobs"]) if j["name"] == name
                        and j["status"] in ("pending", "running")), None)
            if job is None:  # a finished status is never reused: a new one is built
                job = {"id": next(fake._ids), "sha": sha, "ref": ref, "status": "created",
                       "name": name, "pipeline_id": pipeline["id"], "created_at": _now(),
                       "author": dict(fake.users[uid])}
                fresh = True
            else:
                fresh = False
            now = job["status"]
            if state == "running" and now in ("created", "skipped"):
                now = "pending"  # `job.enqueue` (no bang) before `run!`
            event, sources = transitions[state]
            if now not in sources:
                return err(400, f"Cannot transition status via :{event} from :{now}")
            for k in ("description", "target_url"):
                if k in body:
                    job[k] = body[k]
            job["status"] = state
            if fresh:
                pipeline["jobs"].append(job)
            fake.statuses.setdefault((p.id, sha), []).append(dict(job))
            for mr in fake.mrs.values():  # the MR widget shows the source branch's pipeline
                if mr.source_project_id == p.id and mr.source_branch == ref:
                    mr.head_pipeline_id = pipeline["id"]
            return JSONResponse(job, status_code=201)

        def list_statuses(request: Request, p: Project, sha: str) -> Response:
            jobs = [j for pl in fake.pipelines.get(p.id, []) if pl["sha"] == sha
                    for j in pl["jobs"]]
            q = request.query_params
            if q.get("all") not in ("true", "1"):  # latest per name and pipeline
                latest: dict[tuple[str, int], dict[str, Any]] = {}
                for j in jobs:
                    latest[(j["name"], j["pipeline_id"])] = j
                jobs = list(latest.values())
            if q.get("ref"):
                jobs = [j for j in jobs if j["ref"] == q["ref"]]
            if q.get("name"):
                jobs = [j for j in jobs if j["name"] == q["name"]]
            return paginate(request, jobs)

        def find_disc(mr: MergeRequest, did: str) -> dict[str, Any] | None:
            return next((d for d in mr.discussions if d["id"] == did), None)

        def discussions(request: Request, method: str, mr: MergeRequest, uid: int,
                        sub: list[str], body: dict[str, Any]) -> Response:
            if not sub:
                if method == "GET":
                    return paginate(request, mr.discussions)
                if method == "POST":
                    pos = body.get("position")
                    if pos:
                        problem = fake._check_position(mr, pos)
                        if problem:
                            msg = f'400 Bad request - Note {{:line_code=>["{problem}"]}}'
                            return err(400, msg)
                    d = fake._new_discussion(mr, str(body.get("body", "")), uid,
                                             individual=False, position=pos)
                    return JSONResponse(d, status_code=201)
            d = find_disc(mr, sub[0])
            if d is None:
                return err(404, "404 Discussion Not Found")
            if len(sub) == 1:
                if method == "GET":
                    return JSONResponse(d)
                if method == "PUT":
                    if "resolved" in body:
                        # notes_helpers.rb resolve_discussion: 403 unless can_resolve? (a
                        # resolvable thread, and the MR author or Developer and up)
                        resolvable = any(n["resolvable"] for n in d["notes"])
                        if not resolvable or not (
                            uid == mr.author_id or fake.access(mr.project_id, uid) >= 30
                        ):
                            return err(403, "403 Forbidden")
                        val = body["resolved"] in (True, "true", "True")
                        for n in d["notes"]:
                            if n["resolvable"]:
                                fake._resolve_note(n, uid if val else None)
                    return JSONResponse(d)
            if len(sub) >= 2 and sub[1] == "notes":
                if len(sub) == 2 and method == "POST":
                    # notes/build_service.rb: a reply converts an individual note into a
                    # discussion (on an MR: resolvable, unresolved); a reply to a resolved
                    # thread is itself resolved
                    if d["individual_note"]:
                        d["individual_note"] = False
                        for old in d["notes"]:
                            old["type"] = "DiscussionNote"
                            old["resolvable"] = True
                            fake._resolve_note(old, None)
                    resolvable = [x for x in d["notes"] if x["resolvable"]]
                    was_resolved = bool(resolvable) and all(x["resolved"] for x in resolvable)
                    n = fake._note(str(body.get("body", "")), uid, ntype="DiscussionNote",
                                   resolvable=True)
                    n["discussion_id"] = d["id"]
                    if was_resolved:
                        fake._resolve_note(n, uid)
                    d["notes"].append(n)
                    return JSONResponse(n, status_code=201)
                if len(sub) == 3:
                    n = next((n for n in d["notes"] if n["id"] == int(sub[2])), None)
                    if n is None:
                        return err(404, "404 Note Not Found")
                    if method == "GET":
                        return JSONResponse(n)
                    if method == "PUT":
                        if n["author"]["id"] != uid:
                            return err(403, "403 Forbidden")
                        if "body" in body:
                            n["body"] = body["body"]
                            n["updated_at"] = _now()
                        return JSONResponse(n)
            return err(404, "404 Not found")

        def notes(request: Request, method: str, mr: MergeRequest, uid: int,
                  sub: list[str], body: dict[str, Any]) -> Response:
            if not sub:
                if method == "GET":
                    all_notes = [n for d in mr.discussions for n in d["notes"]]
                    desc = request.query_params.get("sort", "desc") == "desc"
                    all_notes.sort(key=lambda n: n["id"], reverse=desc)
                    return paginate(request, all_notes)
                if method == "POST":
                    d = fake._new_discussion(mr, str(body.get("body", "")), uid, individual=True)
                    return JSONResponse(d["notes"][0], status_code=201)
            nid = int(sub[0])
            found = next(((d, n) for d in mr.discussions for n in d["notes"] if n["id"] == nid),
                         None)
            if found is None:
                return err(404, "404 Note Not Found")
            d, n = found
            if len(sub) == 1:
                if method == "GET":
                    return JSONResponse(n)
                if method == "PUT":
                    if n["author"]["id"] != uid:
                        return err(403, "403 Forbidden")
                    n["body"] = body.get("body", n["body"])
                    n["updated_at"] = _now()
                    return JSONResponse(n)
                if method == "DELETE":
                    d["notes"].remove(n)
                    if not d["notes"]:
                        mr.discussions.remove(d)
                    return Response(status_code=204)
            if sub[1] == "award_emoji":
                key = (mr.project_id, mr.iid, nid)
                lst = fake.emoji.setdefault(key, [])
                if len(sub) == 2 and method == "GET":
                    return paginate(request, lst)
                if len(sub) == 2 and method == "POST":
                    name = str(body.get("name"))
                    if any(e["name"] == name and e["user"]["id"] == uid for e in lst):
                        return err(404, "404 Award Emoji Name has already been taken")
                    e = {"id": next(fake._ids), "name": name, "user": dict(fake.users[uid]),
                         "awardable_id": nid, "awardable_type": "Note"}
                    lst.append(e)
                    return JSONResponse(e, status_code=201)
                if len(sub) == 3 and method == "DELETE":
                    e2 = next((e for e in lst if e["id"] == int(sub[2])), None)
                    if e2 is None:
                        return err(404, "404 Not found")
                    lst.remove(e2)
                    return Response(status_code=204)
            return err(404, "404 Not found")

        return Starlette(routes=[Route("/{path:path}", dispatch,
                                       methods=["GET", "POST", "PUT", "DELETE"])])

    def serve(self) -> ServerThread:
        st = ServerThread(self.app)
        self.base_url = st.url
        return st


# --- webhook payloads -------------------------------------------------------------------


def mr_hook(fake: FakeGitLab, pid: int, iid: int, action: str, *,
            oldrev: str | None = None) -> dict[str, Any]:
    """A Merge Request Hook payload for the MR's current state."""
    with fake.lock:
        mr = fake.mrs[(pid, iid)]
        p = fake.projects[pid]
        attrs: dict[str, Any] = {
            "id": mr.id, "iid": iid, "action": action, "state": mr.state,
            "source_branch": mr.source_branch, "target_branch": mr.target_branch,
            "source_project_id": pid, "target_project_id": pid, "title": mr.title,
            "last_commit": {"id": mr.head}, "draft": False,
            "url": f"{fake.base_url}/{p.path}/-/merge_requests/{iid}",
        }
        if oldrev:
            attrs["oldrev"] = oldrev
        return {
            "object_kind": "merge_request",
            "event_type": "merge_request",
            "user": dict(fake.users[mr.author_id]),
            "project": {"id": pid, "path_with_namespace": p.path},
            "object_attributes": attrs,
            "changes": {},
        }


def note_hook(fake: FakeGitLab, pid: int, iid: int, uid: int, note: dict[str, Any],
              discussion_id: str) -> dict[str, Any]:
    """A Note Hook payload for a note on a merge request."""
    mr = fake.mrs[(pid, iid)]
    p = fake.projects[pid]
    return {
        "object_kind": "note",
        "event_type": "note",
        "user": dict(fake.users[uid]),
        "project": {"id": pid, "path_with_namespace": p.path},
        "object_attributes": {
            "id": note["id"], "note": note["body"], "noteable_type": "MergeRequest",
            "discussion_id": discussion_id, "type": note["type"], "system": False,
            "action": "create", "author_id": uid,
        },
        "merge_request": {
            "id": mr.id, "iid": iid, "source_project_id": pid, "target_project_id": pid,
            "state": mr.state, "last_commit": {"id": mr.head},
        },
    }
