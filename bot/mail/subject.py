"""Patch subject prefixes: `[PATCH v3 2/5]`, `[PATCHv3]`, `[RFC PATCH]`, `[PATCH RESEND qemu]`."""

from __future__ import annotations

import re
from dataclasses import dataclass

_BRACKETS = re.compile(r"^\s*\[([^\]]*)\]\s*")
_REPLY = re.compile(r"^\s*(?:re|aw|fwd?)\s*:\s*", re.IGNORECASE)
_COUNTER = re.compile(r"^0*(\d+)/0*(\d+)$")
_REV = re.compile(r"^v(\d+)$", re.IGNORECASE)
_GLUED = re.compile(r"^(patch|rfc|pull)v(\d+)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PatchSubject:
    """What a subject says about its place in a series."""

    is_patch: bool  # a [PATCH ...] (or [RFC ...]) subject, not a reply
    is_reply: bool  # starts with Re:/Aw:/Fwd:
    revision: int  # 1 when no vN
    counter: int  # 1 for a single patch; 0 for a cover letter
    total: int  # 1 for a single patch
    rfc: bool
    resend: bool
    tags: tuple[str, ...]  # other prefix words: subsystem tags like "qemu", "for-10.2"
    title: str  # the subject without prefixes

    @property
    def is_cover(self) -> bool:
        """True for counter 0 (`[PATCH 0/N]`)."""
        return self.is_patch and self.counter == 0


def parse_subject(subject: str) -> PatchSubject:
    """Parse the bracketed prefixes of a subject (any order, several bracket groups)."""
    text = subject.strip()
    is_reply = bool(_REPLY.match(text))
    while _REPLY.match(text):
        text = _REPLY.sub("", text, count=1)
    words: list[str] = []
    while True:
        m = _BRACKETS.match(text)
        if not m:
            break
        words.extend(m.group(1).replace(",", " ").split())
        text = text[m.end() :]
    is_patch = False
    rfc = resend = False
    revision, counter, total = 1, 1, 1
    tags: list[str] = []
    for w in words:
        lw = w.lower()
        g = _GLUED.match(w)
        if g:
            is_patch = True
            rfc = rfc or g.group(1).lower() == "rfc"
            revision = int(g.group(2))
        elif lw in ("patch", "patches", "pull"):
            is_patch = True
        elif lw == "rfc":
            rfc = True
            is_patch = True
        elif lw == "resend":
            resend = True
        elif _REV.match(w):
            revision = int(w[1:])
        elif _COUNTER.match(w):
            c = _COUNTER.match(w)
            assert c is not None
            counter, total = int(c.group(1)), max(int(c.group(2)), 1)
        else:
            tags.append(w)
    return PatchSubject(
        is_patch=is_patch and not is_reply,
        is_reply=is_reply,
        revision=revision,
        counter=counter,
        total=total,
        rfc=rfc,
        resend=resend,
        tags=tuple(tags),
        title=" ".join(text.split()),
    )


def reply_subject(subject: str) -> str:
    """`Re: <subject>` without doubling an existing Re:."""
    s = " ".join(subject.split())
    return s if re.match(r"^re\s*:", s, re.IGNORECASE) else f"Re: {s}"
