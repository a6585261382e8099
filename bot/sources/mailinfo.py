"""Split a patch e-mail into commit metadata and diff bytes, as `git mailinfo` (for `git am`)
does. Pure, bytes in.

Author from `From:` (or an in-body `From:` line), date from `Date:`, subject cleaned of
"Re:" and bracketed prefixes, log message up to the `---` line (whitespace tidied like git
stripspace), and the diff part as raw bytes: transfer encoding undone, charset untouched (a
Latin-1 file stays Latin-1). MIME multipart and format=flowed mails raise Unsupported: git am
handles them.
"""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
import re
from dataclasses import dataclass
from email.message import Message

from bot.sources.diffparse import Unsupported
from bot.sources.mail import decode_header

_MBOXRD_ESCAPE = re.compile(rb"^>(>*From )", re.MULTILINE)
_INBODY = re.compile(rb"^(From|Subject|Date):[ \t]*(.*?)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class MailInfo:
    """What `git am` takes from one mail: who, when, the commit message, and the diff."""

    author_name: str
    author_email: str
    author_time: int  # POSIX seconds
    author_offset: int  # minutes east of UTC
    message: str  # subject line, blank line, body; ends with "\n"
    patch: bytes  # from the first diff line on

    @property
    def subject(self) -> str:
        """The cleaned subject (first line of the message)."""
        return self.message.split("\n", 1)[0]


def cleanup_subject(subject: str) -> str:
    """Drop leading "Re:", ":", blanks and every leading [bracket group] (git mailinfo)."""
    s = subject
    at = 0
    while at < len(s):
        c = s[at]
        if c in "rR":
            if len(s) > at + 3 and s[at + 1] in "eE" and s[at + 2] == ":":
                s = s[:at] + s[at + 3 :]
                continue
            break
        if c in " \t:":
            s = s[:at] + s[at + 1 :]
            continue
        if c == "[":
            close = s.find("]", at)
            if close < 0:
                break
            s = s[:at] + s[close + 1 :]
            continue
        break
    return " ".join(s.split())


def _patch_break(line: bytes) -> bool:
    """Where the log message ends (git mailinfo's patchbreak())."""
    if line.startswith((b"diff -", b"Index: ")):
        return True
    if line.startswith(b"---"):
        rest = line[3:]
        if rest[:1] == b" " and rest[1:2] not in (b"", b" ", b"\t", b"\n", b"\r"):
            return True  # "--- a/file"
        return rest.strip() == b""
    return False


def _stripspace(text: str) -> str:
    """git stripspace: no trailing blanks, no blank runs, no blank lines at either end."""
    out: list[str] = []
    blank = False
    for line in text.split("\n"):
        line = line.rstrip()
        if not line:
            blank = bool(out)
            continue
        if blank:
            out.append("")
            blank = False
        out.append(line)
    return "\n".join(out) + "\n" if out else ""


def _decode(data: bytes, charset: str | None) -> str:
    for cs in (charset, "utf-8"):
        if not cs:
            continue
        try:
            return data.decode(cs)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


def _author(value: str) -> tuple[str, str]:
    name, addr = email.utils.parseaddr(value)
    name = " ".join(name.split())
    if not addr:
        addr = value.strip()
    return (name or addr), addr


def _date(value: str) -> tuple[int, int]:
    parsed = email.utils.parsedate_tz(value) if value else None
    if parsed is None:
        return 0, 0  # deterministic (git am would take the current time)
    offset = parsed[9] or 0
    return int(email.utils.mktime_tz(parsed)), offset // 60


def mail_info(raw: bytes, *, mboxrd: bool = False) -> MailInfo:
    """Parse one patch e-mail (without its mbox "From " line). Raises Unsupported."""
    if mboxrd:
        raw = _MBOXRD_ESCAPE.sub(rb"\1", raw)
    raw = raw.replace(b"\r\n", b"\n")  # git mailsplit drops the CR of CRLF lines
    msg: Message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
    if msg.is_multipart():
        raise Unsupported("MIME multipart mail (attachments)")
    ctype = msg.get_content_type()
    if ctype != "text/plain" and msg.get("Content-Type") is not None:
        raise Unsupported(f"mail body of type {ctype}")
    fmt = msg.get_param("format")
    if isinstance(fmt, str) and fmt.lower() == "flowed":
        raise Unsupported("format=flowed mail body")
    payload = msg.get_payload(decode=True)
    body = payload if isinstance(payload, bytes) else b""
    charset = msg.get_content_charset()
    name, addr = _author(decode_header(msg, "From"))
    when, offset = _date(decode_header(msg, "Date"))
    subject = decode_header(msg, "Subject")
    lines = body.splitlines(keepends=True)
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    # In-body headers at the very start override the mail's (someone else's patch).
    while i < len(lines):
        m = _INBODY.match(lines[i])
        if not m:
            break
        key, value = m.group(1).lower(), _decode(m.group(2), charset)
        if key == b"from":
            name, addr = _author(value)
        elif key == b"subject":
            subject = value
        else:
            when, offset = _date(value)
        i += 1
    log: list[bytes] = []
    start = len(lines)
    for k in range(i, len(lines)):
        if _patch_break(lines[k]):
            start = k
            break
        log.append(lines[k])
    rest = lines[start:]
    if rest and rest[0].startswith(b"---") and not rest[0].startswith(b"--- "):
        rest = rest[1:]  # the "---" separator itself
    body_text = _stripspace(_decode(b"".join(log), charset))
    title = cleanup_subject(subject)
    message = title + "\n" + ("\n" + body_text if body_text else "")
    return MailInfo(
        author_name=name,
        author_email=addr,
        author_time=when,
        author_offset=offset,
        message=message if message.strip() else "(no subject)\n",
        patch=b"".join(rest),
    )
