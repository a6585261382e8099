"""Who really sent a command mail: its DKIM signature (RFC 6376), verified with dkimpy.

A `From:` header is whatever the sender typed; only a signature that verifies against the
public key its domain publishes in DNS, made by the sender's own domain (d= equal to the
From domain or a parent of it, as DMARC's relaxed alignment), ties a mail to an address.
For a command that starts a build, the signature must also cover every header the bot reads
to decide what to do: From, and In-Reply-To / References when present (they name the series),
each present once (a second, unsigned copy added on top would be the one a parser reads),
and the whole body (no `l=` length limit, after which text could be appended).

`dnsfunc` is dkimpy's TXT lookup (name, timeout=...) -> record bytes; None uses DNS through
dnspython. Tests pass a function serving the key they generated: the verification itself is
dkimpy's, unchanged.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
from collections.abc import Callable
from dataclasses import dataclass

DnsFunc = Callable[..., bytes | None]
BOUND_HEADERS = ("from", "in-reply-to", "references")


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a mail's sender is proven by DKIM, and why not."""

    ok: bool
    why: str = ""
    domain: str = ""  # the signing domain (d=) when ok


def _aligned(sender_domain: str, signer: str) -> bool:
    return sender_domain == signer or sender_domain.endswith("." + signer)


def _header_counts(raw: bytes) -> dict[str, int]:
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    msg = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
    counts: dict[str, int] = {}
    for k in msg.keys():
        counts[k.lower()] = counts.get(k.lower(), 0) + 1
    return counts


def verify_sender(raw: bytes, sender: str, dnsfunc: DnsFunc | None = None) -> Verdict:
    """Whether a signature of the sender's domain verifies and covers the bound headers."""
    domain = sender.rpartition("@")[2].strip().lower().rstrip(".")
    if not domain:
        return Verdict(False, "the mail has no sender address")
    counts = _header_counts(raw)
    n = counts.get("dkim-signature", 0)
    if not n:
        return Verdict(False, "the mail carries no DKIM signature")
    twice = [h for h in BOUND_HEADERS if counts.get(h, 0) > 1]
    if twice:
        return Verdict(False, f"the mail has more than one {twice[0]} header")
    import dkim  # with dnspython ~0.1 s to import: only when a build is asked for

    reasons: list[str] = []
    for idx in range(min(n, 5)):
        d = dkim.DKIM(raw)
        try:
            ok = d.verify(idx=idx) if dnsfunc is None else d.verify(idx=idx, dnsfunc=dnsfunc)
        except dkim.DKIMException as exc:
            reasons.append(f"signature {idx + 1}: {exc}")
            continue
        signer = (d.domain or b"").decode("ascii", "replace").lower().rstrip(".")
        if not ok:
            reasons.append(f"signature {idx + 1} ({signer}) does not verify")
            continue
        if not _aligned(domain, signer):
            reasons.append(f"signature {idx + 1} is by {signer}, not by {domain}")
            continue
        signed = {h.decode("ascii", "replace") for h in d.include_headers}
        unsigned = [h for h in BOUND_HEADERS if counts.get(h) and h not in signed]
        if unsigned:
            reasons.append(f"signature {idx + 1} does not cover the {unsigned[0]} header")
            continue
        if b"l" in (d.signature_fields or {}):
            reasons.append(f"signature {idx + 1} covers only part of the body (l=)")
            continue
        return Verdict(True, "", signer)
    return Verdict(False, "; ".join(reasons) or "no signature verifies")
