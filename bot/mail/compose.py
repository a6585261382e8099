"""Reply composition: plain text, bottom-posted, 72 columns, quoting only the hunk lines a
finding is about; headers that thread (In-Reply-To, References) and identify a robot.

Pure given its inputs (the clock and the Message-ID are passed in).
"""

from __future__ import annotations

import datetime
import email.header
import email.policy
import email.utils
import re
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from bot.findings import Finding
from bot.mail.config import MailSettings
from bot.mail.subject import reply_subject
from bot.redact import cap
from bot.sources.mail import MailMessage, address_of

WIDTH = 72  # prose
CODE_WIDTH = 80  # fix drafts (QEMU's limit for C code)
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_CONTEXT = 2
FINGERPRINT_HEADER = "X-Migcheck-Fingerprints"
MAX_SUBJECT = 300  # characters of the answered subject kept in a reply's Subject
MAX_FINDING = 6000  # characters of one finding's text (messages may carry a build's output)
MAX_LINE = 500  # characters of one evidence or error line


def cap_body(body: str, max_bytes: int) -> str:
    """The body cut at a line boundary to at most `max_bytes` (UTF-8), the signature kept
    and a line saying what was cut."""
    if len(body.encode("utf-8")) <= max_bytes:
        return body
    main, sep, foot = body.rpartition("\n-- \n")
    if not sep:
        main, foot = body, ""
    lines = main.splitlines()
    note = ("[... {n} more lines cut: this reply is longer than mail.max_body_bytes; "
            "run migcheck check on the series for the full report]")  # fmt: skip
    budget = max_bytes - len(foot.encode("utf-8")) - len(note) - 16
    kept: list[str] = []
    used = 0
    for ln in lines:
        size = len(ln.encode("utf-8")) + 1
        if used + size > budget:
            break
        kept.append(ln)
        used += size
    text = "\n".join([*kept, "", note.format(n=len(lines) - len(kept))])
    return text + (sep + foot if sep else "\n")


@dataclass(frozen=True, slots=True)
class QuotedLine:
    """One diff line with its old/new line numbers (0 where the side has none)."""

    old: int
    new: int
    text: str


def diff_hunks(patch_text: str) -> dict[str, list[tuple[str, list[QuotedLine]]]]:
    """path -> [(hunk header, lines)] parsed from a patch mail body."""
    out: dict[str, list[tuple[str, list[QuotedLine]]]] = {}
    path = ""
    old_path = ""
    cur: list[QuotedLine] | None = None
    o = n = 0
    for line in patch_text.splitlines():
        if line.startswith("diff --git "):
            cur = None
            parts = line.split(" b/", 1)
            path = parts[1] if len(parts) == 2 else ""
            old_path = path
            continue
        if cur is None and line.startswith("--- "):
            old_path = line[4:].removeprefix("a/").strip()
            continue
        if cur is None and line.startswith("+++ "):
            p = line[4:].strip()
            path = p.removeprefix("b/") if p != "/dev/null" else old_path
            continue
        m = _HUNK.match(line)
        if m and path:
            o, n = int(m.group(1)), int(m.group(3))
            cur = []
            out.setdefault(path, []).append((line, cur))
            continue
        if cur is None:
            continue
        if line.startswith("+"):
            cur.append(QuotedLine(0, n, line))
            n += 1
        elif line.startswith("-"):
            cur.append(QuotedLine(o, 0, line))
            o += 1
        elif line.startswith(" ") or line == "":
            cur.append(QuotedLine(o, n, line))
            o += 1
            n += 1
        elif line.startswith("\\"):
            continue
        else:
            cur = None  # end of the diff (signature, trailers)
    return out


@dataclass(frozen=True, slots=True)
class Quote:
    """A hunk of a patch mail and the lines in it that findings point at (indices)."""

    path: str
    header: str
    lines: tuple[QuotedLine, ...]
    hits: frozenset[int]

    @property
    def key(self) -> tuple[str, str]:
        """Which hunk this is (findings with the same key share one quote)."""
        return self.path, self.header

    def with_hits(self, other: Quote) -> Quote:
        """This hunk pointing at its own lines and at `other`'s."""
        return Quote(self.path, self.header, self.lines, self.hits | other.hits)

    def render(self) -> list[str]:
        """The `> ` lines: the diff header, then each hit with a little context (a +/- run it
        belongs to reads whole), `[...]` where lines are left out."""
        spans: list[list[int]] = []
        for i in sorted(self.hits):
            lo, hi = _span(self.lines, i)
            if spans and lo <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], hi)
            else:
                spans.append([lo, hi])
        out = [f"> diff --git a/{self.path} b/{self.path}", f"> {self.header}"]
        at = 0
        for lo, hi in spans:
            if lo > at:
                out.append("> [...]")
            out.extend(("> " + ql.text).rstrip() for ql in self.lines[lo:hi])
            at = hi
        if at < len(self.lines):
            out.append("> [...]")
        return out


def hunk_for(finding: Finding, patch_text: str, line_text: str | None = None) -> Quote | None:
    """The hunk of the patch around the finding's line (None when not in the diff).

    With `line_text` (the finding's line as it reads in the folded series) the line is
    found by content among the added (new side) or removed (old side) lines instead: a
    series-level finding's line number is the series head's, not this patch's.
    """
    hunks = diff_hunks(patch_text).get(finding.path, [])
    want = line_text.strip() if line_text is not None else None
    if want is not None:  # changed lines first, then context lines (a VMSD's first line)
        mark = "-" if finding.side == "old" else "+"
        return _by_text(finding, hunks, want, mark) or _by_text(finding, hunks, want, " ")
    for header, lines in hunks:
        for i, ql in enumerate(lines):
            if (ql.old if finding.side == "old" else ql.new) == finding.line:
                return Quote(finding.path, header, tuple(lines), frozenset({i}))
    return None


def quote_for(finding: Finding, patch_text: str, line_text: str | None = None) -> list[str]:
    """The `> ` lines of the hunk around the finding's line (empty when not in the diff)."""
    q = hunk_for(finding, patch_text, line_text)
    return q.render() if q is not None else []


def _by_text(
    finding: Finding, hunks: list[tuple[str, list[QuotedLine]]], want: str, mark: str
) -> Quote | None:
    if not want:
        return None
    for header, lines in hunks:
        for i, ql in enumerate(lines):
            if ql.text[:1] == mark and ql.text[1:].strip() == want:
                return Quote(finding.path, header, tuple(lines), frozenset({i}))
    return None


def _span(lines: Sequence[QuotedLine], i: int) -> tuple[int, int]:
    """Up to _CONTEXT lines around line i, widened over the +/- run it belongs to."""
    lo, hi = max(0, i - _CONTEXT), min(len(lines), i + _CONTEXT + 1)
    while lo > 0 and lines[lo - 1].text[:1] in ("+", "-") and i - lo < 6:
        lo -= 1
    while hi < len(lines) and lines[hi].text[:1] in ("+", "-") and hi - i < 6:
        hi += 1
    return lo, hi


def wrap(text: str, indent: str = "") -> list[str]:
    """Paragraph text wrapped at 72 columns (long words such as paths are not broken)."""
    out: list[str] = []
    for para in text.split("\n\n"):
        para = " ".join(para.split())
        if not para:
            continue
        if out:
            out.append("")
        out.extend(textwrap.wrap(para, WIDTH, initial_indent=indent, subsequent_indent=indent,
                                 break_long_words=False, break_on_hyphens=False))  # fmt: skip
    return out


def _code(text: str) -> list[str]:
    """A C fix draft indented by 4, each line fitted into CODE_WIDTH columns (fit_code)."""
    draft = textwrap.dedent(text.expandtabs(8)).strip("\n")
    return [ln for raw in draft.splitlines() for ln in fit_code(("    " + raw).rstrip())]


def _breaks(line: str) -> list[tuple[int, int]]:
    """(cut position, paren depth) after each `, ` and at each space outside string and
    character literals; commas first-class (cut after them)."""
    out: list[tuple[int, int]] = []
    depth = 0
    quote = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif ch == " " and i > 0 and line[:i].strip():
            out.append((i, depth))
        i += 1
    return out


def _open_paren(line: str) -> int:
    """Column after the innermost bracket still open at the end of `line` (-1: none)."""
    stack: list[int] = []
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote and line[i - 1] != "\\":
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            stack.append(i)
        elif ch in ")]}" and stack:
            stack.pop()
    return stack[-1] + 1 if stack else -1


def fit_code(line: str, width: int = CODE_WIDTH) -> list[str]:
    """A C line as is when it fits, else broken at spaces outside literals (after a comma
    when one fits) with continuation lines aligned after the open bracket, QEMU style (or
    indented 4 more when that is too deep). A line with no such break stays long."""
    indent = len(line) - len(line.lstrip(" "))
    out: list[str] = []
    rest = line
    col = indent + 4  # where continuation lines start
    while len(rest) > width:
        cuts = [(i, d) for i, d in _breaks(rest) if indent + 4 < i <= width]
        if not cuts:
            break
        commas = [(i, d) for i, d in cuts if rest[i - 1] == ","]
        cut = max(commas or cuts)[0]
        head, tail = rest[:cut].rstrip(), rest[cut:].lstrip()
        opened = _open_paren(head)
        while 0 <= opened < len(head) and head[opened] == " ":  # `{ "a", ...`: align on "a"
            opened += 1
        if 0 <= opened <= width - 24:
            col = opened
        out.append(head)
        rest = " " * col + tail
    out.append(rest)
    return out


def finding_text(f: Finding, why: str, said: set[str] | None = None) -> list[str]:
    """What, where, why and the fix (hint and draft) of one finding, without its quote.

    `said` collects the explanations given so far in the reply: a rule's "why" and a
    suggested fix are written once per reply, not under every finding of the same kind.
    """
    said = set() if said is None else said
    why_key, hint_key = f"why:{f.rule}", f"hint:{f.rule}:{f.fix_hint}"
    why = "" if why_key in said else why
    hint = "" if hint_key in said else f.fix_hint
    said.update((why_key, hint_key))
    out: list[str] = []
    where = f"{f.path}:{f.line}" + (" (old side)" if f.side == "old" else "")
    message = cap(f.message, MAX_FINDING)
    out.extend(wrap(f"{f.rule} {f.name} ({f.severity.value}) at {where}: {message}"))
    if f.evidence_detail:
        out.append("")
        out.append("Seen by:")
        for d in f.evidence_detail:
            out.extend(textwrap.wrap(cap(d.line(f.message), MAX_LINE), WIDTH, initial_indent="- ",
                                     subsequent_indent="  ", break_long_words=False,
                                     break_on_hyphens=False))  # fmt: skip
    if why:
        out.append("")
        out.extend(wrap("Why this breaks migration: " + why))
    if hint:
        out.append("")
        out.extend(wrap("Suggested fix: " + hint))
    if f.fix_draft:
        out.append("")
        out.append("Fix draft:")
        out.append("")
        out.extend(_code(cap(f.fix_draft, MAX_FINDING)))
        if f.fix_check:
            out.append("")
            out.extend(wrap(f.fix_check[:1].upper() + f.fix_check[1:] + "."))
    return out


def finding_block(f: Finding, why: str, quote: Sequence[str]) -> list[str]:
    """Quote, then what, why and the fix draft, for one finding."""
    return hunk_block(quote, [(f, why)])


def hunk_block(
    quote: Sequence[str], findings: Sequence[tuple[Finding, str]], said: set[str] | None = None
) -> list[str]:
    """One quote (a hunk, or nothing) and every finding about it, each with its why (once
    per rule in the reply: `said`, see finding_text)."""
    out: list[str] = list(quote)
    for f, why in findings:
        if out:
            out.append("")
        out.extend(finding_text(f, why, said))
    return out


def attribution(msg: MailMessage) -> str:
    """`On <date>, <author> wrote:` for the quoted message."""
    date = mail_date(msg.date) if msg.date else "an earlier date"
    return f"On {date}, {msg.author or 'the author'} wrote:"


def footer(base_note: str) -> list[str]:
    """The robot's signature: where it tested, how to re-run, how to stop the mails."""
    lines = ["-- "]
    lines.extend(wrap(
        "migcheck, an automated migration-compatibility review. " + base_note + " To run "
        "it again, reply (to this mail or to the patch) with \"/check-migration\" on a line "
        "of its own; to tell us about a false positive, reply to this mail; to stop these "
        "mails, ask the list admins to add you to the opt-out list."))  # fmt: skip
    return lines


def body_for(
    answer: MailMessage,
    blocks: Sequence[Sequence[str]],
    *,
    intro: str = "",
    base_note: str = "",
    notes: Iterable[str] = (),
) -> str:
    """The whole body: attribution, blocks (each its quote then text), notes, footer."""
    out: list[str] = []
    if intro:
        out.extend(wrap(intro))
        out.append("")
    quoted = any(b and b[0].startswith(">") for b in blocks)
    if quoted:
        out.extend(wrap(attribution(answer)))
    for b in blocks:
        out.extend(b)
        out.append("")
    for n in notes:
        out.extend(wrap(n))
        out.append("")
    out.extend(footer(base_note))
    return "\n".join(out).rstrip("\n") + "\n"


def _dedupe(addrs: Iterable[str], drop: set[str]) -> list[str]:
    seen = set(drop)
    out: list[str] = []
    for a in addrs:
        key = address_of(a)
        if key and key not in seen:
            seen.add(key)
            out.append(a)
    return out


def recipients(
    answer: MailMessage, settings: MailSettings, *, to: str | None = None, private: bool = False
) -> tuple[list[str], list[str]]:
    """(To, Cc) of a reply: the author; the list and the original To/Cc (reply-to-all), at
    most mail.max_cc of the latter (a series Cc'd to hundreds must not make a bot mail to
    hundreds); `private`: the author only."""
    opt = {address_of(a) for a in settings.opt_out}
    own = address_of(settings.from_address)
    to_list = _dedupe([to or answer.author], opt | {own})
    if private or not settings.reply_to_all:
        return to_list, []
    drop = opt | {own} | {address_of(a) for a in to_list}
    listed = _dedupe([settings.list_address], drop)
    copied = _dedupe([*answer.to, *answer.cc], drop | {address_of(a) for a in listed})
    return to_list, [*listed, *copied[: settings.max_cc]]


class _ReplyPolicy(email.policy.EmailPolicy):
    """The default policy (RFC 2047 encoded words of at most 75 characters in lines of 78),
    except that Message-ID lists are folded between ids and never encoded (an id longer
    than a line would otherwise become an encoded word and break threading), and that a
    non-ASCII Subject is encoded by email.header (CPython 3.11's folder for unstructured
    headers splits some encoded words in two, e.g. after "Köln," — an invalid header)."""

    _IDS = frozenset({"message-id", "in-reply-to", "references"})

    def _subject(self, name: str, value: str) -> str | None:
        text = str(value)
        if name.lower() != "subject" or text.isascii():
            return None
        limit = (self.max_line_length or 78) - 2
        # the ASCII words before the first non-ASCII one stay readable ("Re: [PATCH 1/3] ...")
        first = next(i for i, ch in enumerate(text) if not ch.isascii())
        cut = text.rfind(" ", 0, first) + 1
        encoded = email.header.Header(text[:cut] or None, "us-ascii", limit, header_name=name)
        encoded.append(text[cut:], "utf-8")
        return f"{name}: {encoded.encode(linesep=self.linesep)}{self.linesep}"

    def _ids(self, name: str, value: str) -> str:
        lines = [f"{name}:"]
        limit = self.max_line_length or 78
        for word in str(value).split():
            if len(lines[-1]) + 1 + len(word) > limit and lines[-1] != f"{name}:":
                lines.append("")
            lines[-1] += " " + word
        return self.linesep.join(lines) + self.linesep

    def fold(self, name: str, value: str) -> str:
        """Fold a header for str output."""
        if name.lower() in self._IDS:
            return self._ids(name, value)
        return self._subject(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        """Fold a header for bytes output."""
        text = self._ids(name, value) if name.lower() in self._IDS else self._subject(name, value)
        if text is not None:
            return text.encode("ascii", "surrogateescape")
        return super().fold_binary(name, value)


REPLY_POLICY = _ReplyPolicy()


def mail_date(now: float) -> str:
    """An RFC 5322 date with the host's real zone offset (never the "-0000" of unknown)."""
    return email.utils.format_datetime(datetime.datetime.fromtimestamp(now).astimezone())


def build_reply(
    answer: MailMessage,
    body: str,
    settings: MailSettings,
    *,
    msgid: str,
    now: float,
    fingerprints: Sequence[str] = (),
    to: str | None = None,
    private: bool = False,
    clean: Callable[[str], str] = str,
) -> EmailMessage:
    """The reply message with threading and robot headers; `clean` (redaction) is applied
    to the texts that come from the series or a build: the body and the subject."""
    to_list, cc_list = recipients(answer, settings, to=to, private=private)
    msg = EmailMessage(policy=REPLY_POLICY)
    msg["From"] = settings.from_address
    if to_list:
        msg["To"] = ", ".join(to_list)
    if cc_list:
        msg["Cc"] = ", ".join(cc_list)
    msg["Subject"] = clean(reply_subject((answer.subject or "(no subject)")[:MAX_SUBJECT]))
    msg["Date"] = mail_date(now)
    msg["Message-ID"] = f"<{msgid}>"
    msg["In-Reply-To"] = f"<{answer.msgid}>"
    refs = [r for r in answer.references if r != answer.msgid] + [answer.msgid]
    if len(refs) > 20:  # RFC 5322 3.6.4: the first and the newest ids are what matter
        refs = [refs[0], *refs[-19:]]
    msg["References"] = " ".join(f"<{r}>" for r in refs)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Mailer"] = "migcheck"
    if fingerprints:
        msg[FINGERPRINT_HEADER] = " ".join(fingerprints)
    body = clean(body)
    # Plain 7bit/8bit text as a human's mail client writes it; quoted-printable only when a
    # (quoted) line would break SMTP's 998-octet limit.
    data = body.encode("utf-8")
    cte = None if max(map(len, data.splitlines()), default=0) > 998 else (
        "7bit" if data.isascii() else "8bit")  # fmt: skip
    msg.set_content(body, charset="utf-8", cte=cte)
    return msg
