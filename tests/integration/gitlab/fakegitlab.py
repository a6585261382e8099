"""A small stateful GitLab API (v4) server for tests, served on loopback over real HTTP.

Implements what migcheck calls through python-gitlab: /user, projects, members/all,
merge requests, versions (diffs computed with pygit2 from a real repository), commits,
discussions (positioned, with GitLab's 400 for a bad line position), notes, award emoji,
commit statuses; pagination headers (X-Page, X-Total, X-Next-Page, Link); and injectable
faults (429 with Retry-After, 502, delays) per method + path pattern.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import socket
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


@dataclass
class Project:
    id: int
    path: str
    repo_path: str
    members: dict[int, int] = field(default_factory=dict)


@dataclass
class MergeRequest:
    project_id: int
    iid: int
    id: int
    title: str
    author_id: int
    source_branch: str
    target_branch: str
    state: str = "opened"
    head: str = ""
    versions: list[dict[str, Any]] = field(default_factory=list)
    discussions: list[dict[str, Any]] = field(default_factory=list)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def _diff_lines(text: str) -> tuple[set[int], set[int], set[tuple[int, int]]]:
    """(added new lines, removed old lines, context (old, new) pairs) of hunk text."""
    added: set[int] = set()
    removed: set[int] = set()
    context: set[tuple[int, int]] = set()
    o = n = 0
    for line in text.splitlines():
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


class FakeGitLab:
    """The state and the Starlette app."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[int, dict[str, Any]] = {}
        self.tokens: dict[str, int] = {}
        self.projects: dict[int, Project] = {}
        self.mrs: dict[tuple[int, int], MergeRequest] = {}
        self.statuses: dict[tuple[int, str], list[dict[str, Any]]] = {}
        self.emoji: dict[tuple[int, int, int], list[dict[str, Any]]] = {}
        self.faults: list[Fault] = []
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

    def add_project(self, pid: int, path: str, repo_path: str, members: dict[int, int]) -> Project:
        with self.lock:
            p = Project(pid, path, repo_path, dict(members))
            self.projects[pid] = p
            return p

    def add_mr(
        self, pid: int, iid: int, *, author_id: int, source: str, target: str = "master",
        title: str = "A series",
    ) -> MergeRequest:
        with self.lock:
            mr = MergeRequest(pid, iid, next(self._ids), title, author_id, source, target)
            self.mrs[(pid, iid)] = mr
            self.push(pid, iid)
            return mr

    def push(self, pid: int, iid: int) -> str:
        """Take the source branch tip as the MR head: new version, refs/merge-requests/N/head."""
        with self.lock:
            mr = self.mrs[(pid, iid)]
            repo = pygit2.Repository(self.projects[pid].repo_path)
            head = repo.references[f"refs/heads/{mr.source_branch}"].target
            target = repo.references[f"refs/heads/{mr.target_branch}"].target
            base = repo.merge_base(head, target)
            repo.references.create(f"refs/merge-requests/{iid}/head", head, force=True)
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
            mr.versions.append(version)
            return str(head)

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
                  retry_after: str | None = None, delay: float = 0.0) -> Fault:
        with self.lock:
            f = Fault(method.upper(), path_re, status, times, retry_after, delay)
            self.faults.append(f)
            return f

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

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
                "source_project_id": mr.project_id, "target_project_id": mr.project_id,
                "sha": mr.head,
                "diff_refs": {"base_sha": v["base_commit_sha"], "head_sha": v["head_commit_sha"],
                              "start_sha": v["start_commit_sha"]},
                "web_url": f"{fake.base_url}/{p.path}/-/merge_requests/{mr.iid}",
            }

        async def dispatch(request: Request) -> Response:
            method = request.method
            path = request.url.path
            for f in list(fake.faults):
                if f.method in (method, "*") and re.search(f.path_re, path) and f.hits < f.times:
                    f.hits += 1
                    if f.delay:
                        await asyncio.sleep(f.delay)
                    if f.status:
                        headers = {"Retry-After": f.retry_after} if f.retry_after else {}
                        fake.requests.append((method, path, f.status))
                        return JSONResponse({"message": f"{f.status} injected"},
                                            status_code=f.status, headers=headers)
                    break
            body: Any = None
            if method in ("POST", "PUT"):
                raw = await request.body()
                ctype = request.headers.get("content-type", "")
                if raw and "json" in ctype:
                    body = json.loads(raw)
                else:
                    form = await request.form()
                    body = dict(form)
            with fake.lock:
                resp = handle(request, method, path, body or {})
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
                sha = rest[1]
                st = {"id": next(fake._ids), "sha": sha, "status": body.get("state"),
                      "name": body.get("name", "default"),
                      "description": body.get("description"),
                      "target_url": body.get("target_url"), "created_at": _now()}
                lst = fake.statuses.setdefault((p.id, sha), [])
                if lst and lst[-1]["name"] == st["name"] and lst[-1]["status"] == st["status"]:
                    return err(400, "Cannot transition status via :run from :running")
                lst.append(st)
                return JSONResponse(st, status_code=201)
            if rest[:2] == ["repository", "commits"] and len(rest) == 4 and rest[3] == "statuses":
                return paginate(request, fake.statuses.get((p.id, rest[2]), []))
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
                        val = body["resolved"] in (True, "true", "True")
                        for n in d["notes"]:
                            if n["resolvable"]:
                                n["resolved"] = val
                                n["resolved_by"] = dict(fake.users[uid]) if val else None
                    return JSONResponse(d)
            if len(sub) >= 2 and sub[1] == "notes":
                if len(sub) == 2 and method == "POST":
                    n = fake._note(str(body.get("body", "")), uid, ntype="DiscussionNote",
                                   resolvable=d["notes"][0]["resolvable"])
                    n["discussion_id"] = d["id"]
                    d["notes"].append(n)
                    if d["individual_note"]:
                        d["individual_note"] = False
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
