"""Writes to GitLab that survive a real GitLab's failure modes.

* A create (note, discussion) may be saved by GitLab and still answer 5xx or time out
  (a proxy in front, a client timeout). Retrying blindly posts it twice, so creates go out
  without python-gitlab's own retries, and before any retry the MR is re-read and the
  marker looked for: found means saved.
* Resolving, re-opening and commit statuses need Developer on the project; a bot with less
  gets 403. That is a warning (the review still publishes what it can), never a failed job.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import gitlab
import requests

log = logging.getLogger("migcheck.gitlab")

T = TypeVar("T")
TRANSIENT_CODES = frozenset({408, 425, 429, 500, 502, 503, 504})
NO_RETRY = {"retry_transient_errors": False}  # kwargs for a create we retry ourselves


def is_transient_write_error(exc: BaseException) -> bool:
    """A failure after which the write may or may not have been saved."""
    if isinstance(exc, gitlab.exceptions.GitlabError):
        code = exc.response_code
        return code is None or code in TRANSIENT_CODES or code >= 520
    return isinstance(exc, requests.RequestException | ConnectionError | TimeoutError)


def is_forbidden(exc: BaseException) -> bool:
    """403 from GitLab (the token's user lacks the role for this)."""
    return isinstance(exc, gitlab.exceptions.GitlabError) and exc.response_code == 403


def create_once(
    create: Callable[[], T],
    find: Callable[[], T | None],
    *,
    what: str,
    attempts: int = 4,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """create(), retried on transient errors; before each retry find() looks for the thing
    (by its marker) and returns it when GitLab saved it despite the error."""
    for attempt in range(attempts):
        try:
            return create()
        except Exception as exc:
            if not is_transient_write_error(exc) or attempt == attempts - 1:
                raise
            log.warning("creating %s failed (%s); checking whether GitLab saved it", what, exc)
            found = find()
            if found is not None:
                log.info("%s was saved despite the error; not posting it again", what)
                return found
            sleep(min(8.0, 0.5 * 2**attempt))
    raise AssertionError("unreachable")


def set_resolved(discussion: Any, value: bool) -> bool:
    """Resolve or re-open a thread; False (with a warning) when GitLab says 403."""
    discussion.resolved = value
    try:
        discussion.save()
    except gitlab.exceptions.GitlabError as exc:
        if not is_forbidden(exc):
            raise
        log.warning(
            "cannot %s thread %s: 403 (the bot user needs the Developer role)",
            "resolve" if value else "re-open",
            getattr(discussion, "id", "?"),
        )
        return False
    return True
