"""The `migration-compat` commit status of a merge request, as GitLab really handles it.

* `ref` is always sent: the MR's source branch when it lives in the target project (then the
  status joins that branch's pipeline, the one the MR widget shows), else
  `refs/merge-requests/N/head` — a fork's head is reachable in the target project only
  there, and without `ref` GitLab takes the ref of any pipeline for the SHA or any branch
  containing it, or answers 404 "References for commit" (lib/api/commit_statuses.rb,
  app/services/ci/create_commit_status_service.rb).
* 403 (the bot user is not a Developer) and 404 are warnings, never a failed review.
* 409 ("Another update to this commit status is in progress": GitLab's per-SHA lock) is
  retried a few times here, then the job is retried.
* A POST that GitLab saved but answered 5xx for is not blindly repeated: the statuses are
  read back first (repeating `running` would be a 400 "Cannot transition").
* Every job that posted `running` ends it: the status the MR waits for is remembered per
  merge request (state DB), a later job cancels a stale one, and every terminal outcome
  (done, failed, parked, superseded, canceled) posts a final state.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gitlab

from bot.reporters.gitlab_writes import NO_RETRY, is_transient_write_error
from bot.service.state import StateDB

log = logging.getLogger("migcheck.worker")

FINAL = ("success", "failed", "canceled")


class StatusConflict(Exception):
    """GitLab kept answering 409 (its lock on the SHA); retry the job later."""


@dataclass(frozen=True, slots=True)
class StatusTarget:
    """Where a status goes: target project, commit and ref."""

    project_id: int
    sha: str
    ref: str


def status_ref(mr: Any) -> str:
    """The ref a status for this MR's head is posted with (see the module docstring)."""
    iid = int(getattr(mr, "iid", 0))
    source = getattr(mr, "source_project_id", None)
    target = getattr(mr, "target_project_id", None)
    if source is not None and target is not None and source != target:
        return f"refs/merge-requests/{iid}/head"
    return str(getattr(mr, "source_branch", "") or f"refs/merge-requests/{iid}/head")


class Statuses:
    """Posts a merge request's commit statuses (one name) and keeps the running one."""

    def __init__(
        self,
        gl: Any,
        state: StateDB,
        *,
        name: str,
        target_url: str = "",
        sleep: Callable[[float], None] = time.sleep,
        conflict_tries: int = 4,
    ) -> None:
        self.gl = gl
        self.state = state
        self.name = name
        self.target_url = target_url
        self.sleep = sleep
        self.conflict_tries = conflict_tries

    def _key(self, mr_key: str) -> str:
        return f"status_running:{mr_key}"

    def _latest(self, t: StatusTarget) -> str:
        commit = self.gl.projects.get(t.project_id, lazy=True).commits.get(t.sha, lazy=True)
        found = commit.statuses.list(ref=t.ref, name=self.name, get_all=True)
        if not found:
            return ""
        return str(getattr(max(found, key=lambda s: int(getattr(s, "id", 0))), "status", ""))

    def post(self, t: StatusTarget, state: str, description: str) -> bool:
        """Set the status; False (logged) when GitLab refused it for good."""
        data = {"state": state, "name": self.name, "ref": t.ref,
                "description": description[:140]}  # fmt: skip
        if self.target_url:
            data["target_url"] = self.target_url
        commit = self.gl.projects.get(t.project_id, lazy=True).commits.get(t.sha, lazy=True)
        for attempt in range(self.conflict_tries):
            try:
                commit.statuses.create(data, **NO_RETRY)
                return True
            except gitlab.exceptions.GitlabError as exc:
                code = exc.response_code
                if code == 409:
                    self.sleep(0.5 * 2**attempt)
                    continue
                if code in (403, 404):
                    why = "the bot user needs the Developer role" if code == 403 else str(exc)
                    log.warning("commit status %s on %s not set (%s): %s", state, t.sha[:12],
                                code, why)  # fmt: skip
                    return False
                if code == 400 and self._latest(t) == state:
                    return True  # "Cannot transition": it already is in that state
                if not is_transient_write_error(exc):
                    log.warning("commit status %s on %s not set: %s", state, t.sha[:12], exc)
                    return False
                if self._latest(t) == state:
                    return True  # saved before the error
                if attempt == self.conflict_tries - 1:
                    raise
                self.sleep(0.5 * 2**attempt)
            except Exception as exc:
                if not is_transient_write_error(exc) or attempt == self.conflict_tries - 1:
                    raise
                if self._latest(t) == state:
                    return True
                self.sleep(0.5 * 2**attempt)
        raise StatusConflict(f"commit status of {t.sha[:12]}: GitLab kept answering 409")

    def running(self, mr_key: str, t: StatusTarget, description: str) -> None:
        """Post `running` on t, first cancelling a running status an older job left behind."""
        prev = self.pending(mr_key)
        if prev is not None and prev != t:
            self.post(prev, "canceled", f"superseded by {t.sha[:12]}")
        self.state.set_value(self._key(mr_key), json.dumps([t.project_id, t.sha, t.ref]))
        self.post(t, "running", description)

    def pending(self, mr_key: str) -> StatusTarget | None:
        """The status this MR's last job left running (None when every job ended it)."""
        row = self.state.value(self._key(mr_key))
        if not row or not row[0]:
            return None
        pid, sha, ref = json.loads(row[0])
        return StatusTarget(int(pid), str(sha), str(ref))

    def finish(self, mr_key: str, state: str, description: str,
               t: StatusTarget | None = None) -> None:  # fmt: skip
        """Post the final state on t (default: the running one) and forget the running one."""
        target = t or self.pending(mr_key)
        if target is None:
            return
        self.post(target, state, description)
        if self.pending(mr_key) == target:
            self.state.set_value(self._key(mr_key), "")
