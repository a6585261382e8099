"""Reply composition: plain text, bottom-posted, 72 columns, quoting only the hunk lines a
finding is about; headers that thread (In-Reply-To, References) and identify a robot.

Pure given its inputs (the clock and the Message-ID are passed in).
"""

from __future__ import annotations

import email.policy
import email.utils
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from bot.findings import Finding
from bot.mail.config import MailSettings
from bot.mail.subject import reply_subject
from bot.sources.mail import MailMessage, address_of

WIDTH = 72
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_CONTEXT = 2
FINGERPRINT_HEADER = "X-Migcheck-Fingerprints"


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


def quote_for(finding: Finding, patch_text: str, line_text: str | None = None) -> list[str]:
    """The `> ` lines of the hunk around the finding's line (empty when not in the diff).

    With `line_text` (the finding's line as it reads in the folded series) the line is
    found by content among the added (new side) or removed (old side) lines instead: a
    series-level finding's line number is the series head's, not this patch's.
    """
    hunks = diff_hunks(patch_text).get(finding.path, [])
    want = line_text.strip() if line_text is not None else None
    if want is not None:  # changed lines first, then context lines (a VMSD's first line)
        mark = "-" if finding.side == "old" else "+"
        return _quote_text(finding, hunks, want, mark) or _quote_text(finding, hunks, want, " ")
    for header, lines in hunks:
        for i, ql in enumerate(lines):
            if finding.side == "old":
                hit = ql.old == finding.line
            else:
                hit = ql.new == finding.line
            if not hit:
                continue
            return _window(finding, header, lines, i)
    return []


def _quote_text(
    finding: Finding, hunks: list[tuple[str, list[QuotedLine]]], want: str, mark: str
) -> list[str]:
    if not want:
        return []
    for header, lines in hunks:
        for i, ql in enumerate(lines):
            if ql.text[:1] == mark and ql.text[1:].strip() == want:
                return _window(finding, header, lines, i)
    return []


def _window(finding: Finding, header: str, lines: list[QuotedLine], i: int) -> list[str]:
    """Up to _CONTEXT lines around line i, widened over the +/- run it belongs to."""
    lo, hi = max(0, i - _CONTEXT), min(len(lines), i + _CONTEXT + 1)
    # Widen to cover the +/- run the line belongs to (a replaced block reads whole).
    while lo > 0 and lines[lo - 1].text[:1] in ("+", "-") and i - lo < 6:
        lo -= 1
    while hi < len(lines) and lines[hi].text[:1] in ("+", "-") and hi - i < 6:
        hi += 1
    out = [f"> diff --git a/{finding.path} b/{finding.path}", f"> {header}"]
    if lo > 0:
        out.append("> [...]")
    out.extend(("> " + ql.text).rstrip() for ql in lines[lo:hi])
    if hi < len(lines):
        out.append("> [...]")
    return out


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
    draft = textwrap.dedent(text.expandtabs(8)).strip("\n")
    return [("    " + ln).rstrip() for ln in draft.splitlines()]


def finding_block(f: Finding, why: str, quote: Sequence[str]) -> list[str]:
    """Quote, then what, why and the fix draft, for one finding."""
    out: list[str] = list(quote)
    if quote:
        out.append("")
    where = f"{f.path}:{f.line}" + (" (old side)" if f.side == "old" else "")
    out.extend(wrap(f"{f.rule} {f.name} ({f.severity.value}) at {where}: {f.message}"))
    if f.evidence_detail:
        out.append("")
        out.append("Seen by:")
        for d in f.evidence_detail:
            out.extend(textwrap.wrap(d.line(f.message), WIDTH, initial_indent="- ",
                                     subsequent_indent="  ", break_long_words=False,
                                     break_on_hyphens=False))  # fmt: skip
    if why:
        out.append("")
        out.extend(wrap("Why this breaks migration: " + why))
    if f.fix_hint:
        out.append("")
        out.extend(wrap("Suggested fix: " + f.fix_hint))
    if f.fix_draft:
        out.append("")
        out.append("Fix draft:")
        out.append("")
        out.extend(_code(f.fix_draft))
    return out


def attribution(msg: MailMessage) -> str:
    """`On <date>, <author> wrote:` for the quoted message."""
    date = email.utils.formatdate(msg.date, localtime=False) if msg.date else "an earlier date"
    return f"On {date}, {msg.author or 'the author'} wrote:"


def footer(base_note: str) -> list[str]:
    """The robot's signature: where it tested, how to re-run, how to stop the mails."""
    lines = ["-- "]
    lines.extend(wrap(
        "migcheck, an automated migration-compatibility review. " + base_note + " Reply "
        "with /check-migration on a line of its own to run it again; reply to this mail "
        "to tell us about a false positive; ask the list admins to be added to the "
        "opt-out list to stop these mails."))  # fmt: skip
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
    answer: MailMessage, settings: MailSettings, *, to: str | None = None
) -> tuple[list[str], list[str]]:
    """(To, Cc) of a reply: the author; the list and the original To/Cc (reply-to-all)."""
    opt = {address_of(a) for a in settings.opt_out}
    own = address_of(settings.from_address)
    to_list = _dedupe([to or answer.author], opt | {own})
    cc_src: list[str] = []
    if settings.reply_to_all:
        cc_src = [settings.list_address, *answer.to, *answer.cc]
    cc_list = _dedupe(cc_src, opt | {own} | {address_of(a) for a in to_list})
    return to_list, cc_list


def build_reply(
    answer: MailMessage,
    body: str,
    settings: MailSettings,
    *,
    msgid: str,
    now: float,
    fingerprints: Sequence[str] = (),
    to: str | None = None,
) -> EmailMessage:
    """The reply message with threading and robot headers."""
    to_list, cc_list = recipients(answer, settings, to=to)
    # Fold only past the 998-octet hard limit: a long Message-ID folded at 78 columns
    # would be RFC 2047-encoded by the default policy and break threading.
    msg = EmailMessage(policy=email.policy.default.clone(max_line_length=998))
    msg["From"] = settings.from_address
    if to_list:
        msg["To"] = ", ".join(to_list)
    if cc_list:
        msg["Cc"] = ", ".join(cc_list)
    msg["Subject"] = reply_subject(answer.subject or "(no subject)")
    msg["Date"] = email.utils.formatdate(now, localtime=False)
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
    msg.set_content(body, charset="utf-8")
    return msg
