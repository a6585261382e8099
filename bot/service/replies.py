"""Answers to `/check-migration` notes.

A reply inside the command's thread would turn a plain comment into a resolvable, unresolved
thread (GitLab converts an individual note into a discussion on the first reply:
app/services/notes/build_service.rb), and with "All threads must be resolved" every command
would then block the merge. So a command written as a plain comment is answered with a new
top-level note that names the user and links the command; a command written inside a thread
is answered in that thread (it was a thread already, and a reply to a resolved thread stays
resolved). Each answer carries a marker naming the command note, so a POST that GitLab saved
but answered 5xx for is found again instead of posted twice.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import gitlab

from bot.reporters.gitlab import marker_match, with_markers
from bot.reporters.gitlab_writes import NO_RETRY, create_once

_USERNAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


def head_moved_reply(pinned: str, current: str) -> str:
    """Why a command was not run: the head moved after it was written."""
    return (
        f"not run: the merge request's head moved from `{pinned[:12]}` to `{current[:12]}` "
        "after your command, and a check runs only on the head you saw. The new head is "
        "reviewed automatically; comment the command again to run it on the new head."
    )


class Replies:
    """Posts the answer to one command note (idempotent per command note and step)."""

    def __init__(self, mr: Any, payload: dict[str, Any], bot_user_id: int) -> None:
        self.mr = mr
        self.payload = payload
        self.bot_user_id = bot_user_id

    def _marker(self, step: str) -> str:
        return f"<!-- migcheck:reply note={int(self.payload.get('note_id') or 0)} step={step} -->"

    def _in_thread(self) -> Any:
        """The command's discussion when it is a real thread, else None."""
        did = self.payload.get("discussion_id")
        if not did:
            return None
        try:
            d = self.mr.discussions.get(did)
        except gitlab.exceptions.GitlabGetError:
            return None
        return None if d.attributes.get("individual_note", True) else d

    def post(self, text: str, *, step: str) -> None:
        """Answer once per (command note, step)."""
        user = str(self.payload.get("username") or "")
        who = f"@{user} " if _USERNAME.match(user) else ""
        note_id = self.payload.get("note_id")
        link = ""
        web = str(getattr(self.mr, "web_url", "") or "")
        if note_id and web.startswith(("https://", "http://")):
            link = f" ([your command]({web}#note_{int(note_id)}))"
        marker = self._marker(step)
        pattern = re.compile(re.escape(marker))
        thread = self._in_thread()
        if thread is not None:
            body = with_markers(f"{who}{text}", marker)
            create_once(
                lambda: thread.notes.create({"body": body}, **NO_RETRY),
                lambda: self._find(pattern, thread.id),
                what="the command's reply",
            )
            return
        body = with_markers(f"{who}{text}{link}", marker)
        create_once(
            lambda: self.mr.notes.create({"body": body}, **NO_RETRY),
            lambda: self._find(pattern, None),
            what="the command's reply",
        )

    def _find(self, pattern: re.Pattern[str], discussion_id: Any) -> Any:
        if discussion_id is not None:
            notes = self.mr.discussions.get(discussion_id).attributes.get("notes") or []
            for n in notes:
                if (n.get("author") or {}).get("id") == self.bot_user_id and marker_match(
                    n.get("body") or "", pattern
                ):
                    return n
            return None
        for n in self.mr.notes.list(get_all=True):
            if (getattr(n, "author", None) or {}).get("id") == self.bot_user_id and marker_match(
                n.body or "", pattern
            ):
                return n
        return None

    def award(self, name: str) -> None:
        """Show `name` on the command note, replacing the bot's earlier reaction."""
        note_id = self.payload.get("note_id")
        if not note_id:
            return
        emojis = self.mr.notes.get(note_id, lazy=True).awardemojis
        mine = [e for e in emojis.list(get_all=True)
                if (e.user or {}).get("id") == self.bot_user_id]  # fmt: skip
        if any(e.name == name for e in mine):
            return
        for e in mine:  # replace our earlier reaction (eyes -> check mark)
            with contextlib.suppress(gitlab.exceptions.GitlabError):
                emojis.delete(e.id)
        try:
            emojis.create({"name": name})
        except gitlab.exceptions.GitlabCreateError as exc:
            # a retried POST that GitLab had saved: "has already been taken"
            if exc.response_code != 404 or "taken" not in str(exc):
                raise

