"""Read mailed patches: mbox files (mboxo/mboxrd, many messages) or `git format-patch` files.

Pure parsing, no git: splits files into messages, decodes RFC 2047 subjects and odd charsets,
drops messages without a diff (cover letters, replies) and says why a file is not usable.
"""

from __future__ import annotations

import email.errors
import email.header
import email.parser
import email.policy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from bot.errors import InputError

# "From <anything> <weekday> <month> <day> <hh:mm:ss> <year>" — the mbox separator line.
# Strict so that a body line starting with "From " is not taken for a separator.
_FROM_LINE = re.compile(
    rb"^From \S+\s+(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
    rb"|Nov|Dec) [ \d]?\d \d\d:\d\d(?::\d\d)? (?:[+-]\d{4} )?\d{4}\s*$"
)
_HEADER_LINE = re.compile(rb"^[A-Za-z0-9-]+:[ \t]|^[A-Za-z0-9-]+:\r?$")
_DIFF_START = re.compile(rb"^(?:diff --git |Index: |--- \S|GIT binary patch)", re.MULTILINE)
_PATCH_PREFIX = re.compile(r"^\s*(?:\[[^\]]*\]\s*)+")
_COUNTER = re.compile(r"\b(\d+)/(\d+)\s*\]")

MBOX_FROM = b"From migcheck@localhost Thu Jan  1 00:00:00 1970\n"


@dataclass(frozen=True, slots=True)
class MailPatch:
    """One patch e-mail: where it came from, its decoded subject and raw bytes."""

    source: str  # file name it was read from
    number: int  # 1-based position of the message inside that file
    subject: str  # decoded subject, prefixes kept ("[PATCH v2 1/3] foo: bar")
    author: str  # decoded From header
    raw: bytes  # the RFC 5322 message without the mbox From line
    mboxrd: bool = False  # body lines were ">From "-escaped (mboxrd)

    @property
    def label(self) -> str:
        """How to name this message for a person: file, and position in a multi-mail file."""
        return self.source if self.number == 1 else f"{self.source} (message {self.number})"

    def as_mbox(self) -> bytes:
        """The message as a one-message mbox file, ready for `git am`."""
        body = self.raw if self.raw.endswith(b"\n") else self.raw + b"\n"
        return MBOX_FROM + body


def _split_messages(data: bytes) -> tuple[list[bytes], bool]:
    """Split mbox bytes into messages (without separator lines); also says if mboxrd."""
    lines = data.splitlines(keepends=True)
    if not lines or not _FROM_LINE.match(lines[0]):
        return [data], False
    mboxrd = lines[0].startswith(b"From mboxrd@")
    messages: list[bytes] = []
    current: list[bytes] = []
    started = False
    for i, line in enumerate(lines):
        # A separator only counts where a header block follows it.
        if _FROM_LINE.match(line) and (i + 1 >= len(lines) or _HEADER_LINE.match(lines[i + 1])):
            if started:
                messages.append(b"".join(current))
            current = []
            started = True
            continue
        current.append(line)
    if started:
        messages.append(b"".join(current))
    return messages, mboxrd


def _bytes_text(data: bytes) -> str:
    """Undeclared 8-bit header bytes: UTF-8 when valid, else Latin-1 (never fails)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_header(msg: Message, name: str) -> str:
    """A header as readable text: RFC 2047 words decoded, raw 8-bit bytes guessed, unfolded."""
    value = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
    if value is None:
        return ""
    # compat32 keeps undecodable bytes as surrogate escapes; get the bytes back.
    text = _bytes_text(str(value).encode("ascii", errors="surrogateescape"))
    if "=?" in text:
        try:
            parts = email.header.decode_header(text)
        except (ValueError, TypeError, email.errors.HeaderParseError):
            parts = [(text, None)]
        try:
            return " ".join(str(email.header.make_header(parts)).split())
        except (LookupError, UnicodeDecodeError, ValueError):
            pass  # an unknown or lying charset: decode part by part below
        chunks: list[str] = []
        for part, charset in parts:
            if isinstance(part, str):
                chunks.append(part)
                continue
            try:
                chunks.append(part.decode(charset or "utf-8"))
            except (LookupError, UnicodeDecodeError):
                chunks.append(part.decode("utf-8", errors="replace"))
        text = "".join(chunks)
    return " ".join(text.split())


def strip_subject(subject: str) -> str:
    """The subject without "[PATCH v2 1/3]"-style prefixes (what `git am` records)."""
    return _PATCH_PREFIX.sub("", subject).strip()


def is_cover_letter(subject: str) -> bool:
    """True for a "[PATCH 0/N]" subject."""
    m = _COUNTER.search(subject)
    return bool(m and int(m.group(1)) == 0)


def read_mail_patches(files: Sequence[str]) -> tuple[list[MailPatch], list[str]]:
    """Parse FILE... into patch mails in order; returns (patches, notes on skipped messages).

    Raises InputError for a missing/empty/unreadable file, a file that is not a mail, or
    input without any patch.
    """
    if not files:
        raise InputError("no patch files given", hint="pass an mbox or `git format-patch` files")
    patches: list[MailPatch] = []
    skipped: list[str] = []
    for name in files:
        path = Path(name)
        try:
            data = path.read_bytes()
        except IsADirectoryError as exc:
            raise InputError(
                "is a directory", input_name=name, hint="pass the .patch files inside it"
            ) from exc
        except OSError as exc:
            raise InputError(
                f"cannot read: {exc.strerror or exc}",
                input_name=name,
                hint="check the file name",
            ) from exc
        if not data.strip():
            raise InputError(
                "empty file",
                input_name=name,
                hint="pass an mbox or the output of `git format-patch`",
            )
        patches.extend(mail_patches_in(data, name, skipped))
    if not patches:
        raise InputError(
            "no patches found (only messages without a diff)",
            input_name=", ".join(files),
            hint="pass the patch mails themselves, not only the cover letter",
        )
    return patches, skipped


def mail_patches_in(data: bytes, name: str, skipped: list[str]) -> list[MailPatch]:
    """The patch mails in one file's bytes (mbox or single mail), in order; messages without
    a diff are noted in `skipped`. Raises InputError for input that is not mail."""
    parser = email.parser.BytesParser(policy=email.policy.compat32)
    patches: list[MailPatch] = []
    messages, mboxrd = _split_messages(data)
    for number, raw in enumerate(messages, start=1):
        where = name if len(messages) == 1 else f"{name} (message {number})"
        first = raw.lstrip(b"\r\n").split(b"\n", 1)[0]
        if not _HEADER_LINE.match(first):
            if _DIFF_START.search(raw):
                raise InputError(
                    "a plain diff, not a patch e-mail (no From:/Subject: headers)",
                    input_name=where,
                    hint="create the series with `git format-patch BASE..HEAD` or save the "
                    "mails as an mbox",
                )
            raise InputError(
                "not an mbox or patch e-mail",
                input_name=where,
                hint="pass an mbox (e.g. from `b4 am`) or `git format-patch` output",
            )
        msg = parser.parsebytes(raw)
        subject = decode_header(msg, "Subject")
        author = decode_header(msg, "From")
        if not _DIFF_START.search(raw):
            what = "cover letter" if is_cover_letter(subject) else "message without a diff"
            skipped.append(f"{where}: skipped {what}: {subject or '(no subject)'}")
            continue
        if not author or not subject:
            missing = "From" if not author else "Subject"
            raise InputError(
                f"patch e-mail without a {missing}: header",
                input_name=where,
                hint="regenerate it with `git format-patch`",
            )
        patches.append(
            MailPatch(
                source=name,
                number=number if len(messages) > 1 else 1,
                subject=subject,
                author=author,
                raw=raw,
                mboxrd=mboxrd,
            )
        )
    return patches


# --- whole messages (threading headers, decoded body) for the mailing-list reader ---------

_MSGID = re.compile(r"<([^<>\s]+)>")
_MBOXRD_ESCAPE = re.compile(rb"^>(>*From )", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class MailMessage:
    """One list message with what threading and series assembly need, decoded."""

    msgid: str  # without angle brackets; synthesised from the content when missing
    subject: str
    author: str  # decoded From header ("Name <addr>")
    author_addr: str  # lower-case address of the From header
    to: tuple[str, ...]  # decoded addresses of To
    cc: tuple[str, ...]
    in_reply_to: str  # msgid or ""
    references: tuple[str, ...]  # root first, as in the header
    date: float  # POSIX time from the Date header (0.0 when missing/unparsable)
    body: str  # decoded text/plain parts joined
    raw: bytes  # RFC 5322 bytes (mboxrd escaping undone)
    has_diff: bool
    synthetic_id: bool = False  # no Message-ID header (e.g. `git format-patch` without --thread)

    def as_mail_patch(self, source: str = "list", number: int = 1) -> MailPatch:
        """This message as a MailPatch for `git am`."""
        return MailPatch(source=source, number=number, subject=self.subject,
                         author=self.author, raw=self.raw)  # fmt: skip

    @property
    def parents(self) -> tuple[str, ...]:
        """Ancestors, nearest first (In-Reply-To, then References from the end)."""
        out: list[str] = []
        for m in (self.in_reply_to, *reversed(self.references)):
            if m and m not in out and m != self.msgid:
                out.append(m)
        return tuple(out)


def msgids(value: str) -> tuple[str, ...]:
    """Every <msgid> in a header value, without brackets, in order."""
    return tuple(_MSGID.findall(value))


def _addresses(value: str) -> tuple[str, ...]:
    import email.utils

    out: list[str] = []
    for name, addr in email.utils.getaddresses([value]):
        if addr and "@" in addr:
            out.append(email.utils.formataddr((name, addr)) if name else addr)
    return tuple(out)


def address_of(value: str) -> str:
    """The bare lower-case address of "Name <addr>" (or of a bare address)."""
    import email.utils

    return email.utils.parseaddr(value)[1].strip().lower()


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return _bytes_text(payload)


def body_text(msg: Message) -> str:
    """The text/plain parts of a message (nested multiparts too), decoded and joined."""
    if not msg.is_multipart():
        ctype = msg.get_content_type()
        if ctype.startswith("text/") or ctype == "application/octet-stream":
            return _part_text(msg)
        return ""
    chunks: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype in ("text/plain", "text/x-patch", "text/x-diff") or (
            ctype == "application/octet-stream"
            and (part.get_filename() or "").endswith((".patch", ".diff"))
        ):
            chunks.append(_part_text(part))
    return "\n".join(chunks)


def parse_mail(raw: bytes, *, mboxrd: bool = False) -> MailMessage:
    """Parse one RFC 5322 message (never raises for odd charsets or missing headers)."""
    import email.utils
    import hashlib

    if mboxrd:
        raw = _MBOXRD_ESCAPE.sub(rb"\1", raw)
    raw = raw.lstrip(b"\r\n")
    if raw.startswith(b"From ") and b"\n" in raw:
        first, rest = raw.split(b"\n", 1)
        if _FROM_LINE.match(first + b"\n") or not _HEADER_LINE.match(first):
            raw = rest
    parser = email.parser.BytesParser(policy=email.policy.compat32)
    msg = parser.parsebytes(raw)
    ids = msgids(decode_header(msg, "Message-ID"))
    msgid = ids[0] if ids else "migcheck-" + hashlib.sha256(raw).hexdigest()[:24] + "@local"
    irt = msgids(decode_header(msg, "In-Reply-To"))
    date = 0.0
    date_text = decode_header(msg, "Date")
    if date_text:
        try:
            dt = email.utils.parsedate_to_datetime(date_text)
            date = dt.timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            date = 0.0
    author = decode_header(msg, "From")
    try:
        body = body_text(msg)
    except (LookupError, ValueError, AssertionError):
        body = _bytes_text(raw)
    return MailMessage(
        msgid=msgid,
        subject=decode_header(msg, "Subject"),
        author=author,
        author_addr=address_of(author),
        to=_addresses(decode_header(msg, "To")),
        cc=_addresses(decode_header(msg, "Cc")),
        in_reply_to=irt[0] if irt else "",
        references=msgids(decode_header(msg, "References")),
        date=date,
        body=body,
        raw=raw,
        has_diff=bool(_DIFF_START.search(body.encode("utf-8", errors="replace"))),
        synthetic_id=not ids,
    )


def split_mbox(data: bytes) -> list[MailMessage]:
    """Every message of an mbox (mboxo or mboxrd) or of a single RFC 5322 message."""
    messages, mboxrd = _split_messages(data)
    return [parse_mail(m, mboxrd=mboxrd) for m in messages if m.strip()]


def read_messages(path: str) -> list[MailMessage]:
    """Messages of an mbox file, a maildir (cur/ and new/), or a folder of .eml/.patch files."""
    p = Path(path)
    if p.is_dir():
        files: list[Path] = []
        if (p / "cur").is_dir() or (p / "new").is_dir():
            for sub in ("new", "cur"):
                if (p / sub).is_dir():
                    files.extend(sorted(x for x in (p / sub).iterdir() if x.is_file()))
        else:
            files = sorted(x for x in p.iterdir() if x.is_file() and not x.name.startswith("."))
        out: list[MailMessage] = []
        for f in files:
            out.extend(split_mbox(f.read_bytes()))
        if not out:
            raise InputError(
                "no messages found",
                input_name=path,
                hint="pass an mbox file, a maildir or a folder of .eml files",
            )
        return out
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", input_name=path,
                         hint="check the file name") from exc  # fmt: skip
    if not data.strip():
        raise InputError("empty file", input_name=path, hint="pass an mbox or a maildir")
    return split_mbox(data)


def peek_headers(raw: bytes) -> tuple[str, str]:
    """(Message-ID, decoded Subject) from the header block only (cheap triage)."""
    head = raw.split(b"\n\n", 1)[0]
    msg = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
    ids = msgids(decode_header(msg, "Message-ID"))
    return (ids[0] if ids else ""), decode_header(msg, "Subject")
