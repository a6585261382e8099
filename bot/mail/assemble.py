"""Series assembly from list messages: heads, counters, revisions, partial rerolls, trailers.

Pure: a list of MailMessage in, MailSeries out. Threading follows git send-email (patches
reply to the cover letter, or to patch 1 without one, or each to the previous one); a head
that has not arrived yet is still the key (its Message-ID is in the others' In-Reply-To), so
a later poll that brings it in assembles the same series.

Messages without threading headers that nothing replies to (plain `git format-patch`
output, `git send-email --no-thread`) are grouped by their `[PATCH vN n/m]` counters instead
(b4 does the same per revision): same version, total, RFC/RESEND and sender, each counter
once, in arrival order, keyed by the message that arrived first (stable across polls); mails
that were really sent (they have a Message-ID) must also be dated within a day of the group.
Files from `git format-patch` carry the commit author in From: and the commit date, so those
are grouped by arrival order alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.mail.subject import PatchSubject, parse_subject
from bot.sources.mail import MailMessage, msgids

_TRAILER = re.compile(
    r"^\s*(change-id|supersedes|based-on|base-commit|prerequisite-base-commit)\s*:\s*(.+?)\s*$",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class Trailers:
    """Series-level trailers read from the cover letter (else the first patch)."""

    change_id: str = ""
    supersedes: tuple[str, ...] = ()
    based_on: tuple[str, ...] = ()
    base_commit: str = ""


def read_trailers(texts: Iterable[str]) -> Trailers:
    """Trailers from message bodies (first value wins)."""
    change_id, base_commit = "", ""
    supersedes: list[str] = []
    based_on: list[str] = []
    for text in texts:
        for m in _TRAILER.finditer(text):
            key, value = m.group(1).lower(), m.group(2)
            if key == "change-id" and not change_id:
                change_id = value.strip()
            elif key in ("base-commit", "prerequisite-base-commit") and not base_commit:
                if re.fullmatch(r"[0-9a-fA-F]{7,40}", value):
                    base_commit = value.lower()
            elif key == "supersedes":
                supersedes.extend(msgids(value) or (value.strip(),))
            elif key == "based-on":
                based_on.extend(msgids(value) or (value.strip(),))
    return Trailers(change_id, tuple(supersedes), tuple(based_on), base_commit)


@dataclass(slots=True)
class MailSeries:
    """One revision of a mailed series as far as it arrived."""

    key: str  # Message-ID of the head (cover letter, else patch 1), maybe not arrived yet
    revision: int
    total: int
    title: str
    author: str
    author_addr: str
    cover: MailMessage | None = None
    patches: dict[int, MailMessage] = field(default_factory=dict)  # counter -> message
    rfc: bool = False
    resend: bool = False
    tags: tuple[str, ...] = ()
    trailers: Trailers = field(default_factory=Trailers)
    previous: str = ""  # key of the revision this one replaces
    obsoleted_by: str = ""  # key of a newer revision
    partial_of: str = ""  # partial reroll: the series whose other patches it keeps
    inherited: dict[int, MailMessage] = field(default_factory=dict)  # patches taken from it

    @property
    def all_patches(self) -> dict[int, MailMessage]:
        """Own patches over inherited ones (partial reroll), by counter."""
        merged = dict(self.inherited)
        merged.update(self.patches)
        return dict(sorted(merged.items()))

    @property
    def missing(self) -> tuple[int, ...]:
        """Counters 1..total that have not arrived."""
        have = self.all_patches
        return tuple(i for i in range(1, self.total + 1) if i not in have)

    @property
    def complete(self) -> bool:
        """All patches 1..total are present."""
        return not self.missing

    @property
    def head_message(self) -> MailMessage | None:
        """Where series-level replies go: the cover letter, else the first patch present."""
        if self.cover is not None:
            return self.cover
        own = sorted(self.patches.items())
        return own[0][1] if own else None

    @property
    def date(self) -> float:
        """The newest Date of its messages (base fallback is the branch head then)."""
        dates = [m.date for m in self.messages() if m.date]
        return max(dates) if dates else 0.0

    @property
    def label(self) -> str:
        """The head's subject (`[PATCH v2 0/3] title`) for logs and replies."""
        head = self.head_message
        if head is not None:
            return head.subject
        rev = f" v{self.revision}" if self.revision > 1 else ""
        return f"[{'RFC ' if self.rfc else ''}PATCH{rev} ?/{self.total}] {self.title}"

    def messages(self) -> list[MailMessage]:
        """Cover letter (if any) and own patches, in order."""
        return ([self.cover] if self.cover else []) + [m for _, m in sorted(self.patches.items())]

    def msgids(self) -> set[str]:
        """Message-IDs of its own messages."""
        return {m.msgid for m in self.messages()}


def _norm_title(title: str) -> str:
    return " ".join(title.lower().split())


UNTHREADED_WINDOW = 86400.0  # seconds: sent mails of one unthreaded series are this close


@dataclass(slots=True)
class _Loose:
    """A group of unthreaded messages being filled: counters seen and the date range."""

    key: tuple[object, ...]
    total: int
    members: list[str] = field(default_factory=list)
    counters: set[int] = field(default_factory=set)
    first: float = 0.0
    last: float = 0.0

    def accepts(self, counter: int) -> bool:
        return counter not in self.counters and not set(range(1, self.total + 1)) <= (
            self.counters - {0}
        )

    def distance(self, when: float) -> float:
        if not when or not self.first:
            return 0.0
        return max(0.0, self.first - when, when - self.last)

    def add(self, mid: str, counter: int, when: float) -> None:
        self.members.append(mid)
        self.counters.add(counter)
        if when:
            self.first = min(self.first, when) if self.first else when
            self.last = max(self.last, when)


def group_unthreaded(items: Sequence[tuple[MailMessage, PatchSubject]]) -> list[list[str]]:
    """Message-ID groups of unthreaded series messages, by counters (see the module doc)."""
    groups: list[_Loose] = []
    for m, ps in items:
        key: tuple[object, ...] = (ps.revision, ps.total, ps.rfc, ps.resend, m.synthetic_id)
        if not m.synthetic_id:
            key += (m.author_addr,)
        cands = [g for g in groups if g.key == key and g.accepts(ps.counter)]
        if not m.synthetic_id:
            cands = [g for g in cands if g.distance(m.date) <= UNTHREADED_WINDOW]
            cands.sort(key=lambda g: g.distance(m.date))
        if cands:
            group = cands[0]
        else:
            group = _Loose(key, ps.total)
            groups.append(group)
        group.add(m.msgid, ps.counter, m.date)
    return [g.members for g in groups]


def assemble(messages: Sequence[MailMessage]) -> list[MailSeries]:
    """Group patch mails into series and link revisions; ordered by first appearance."""
    by_id: dict[str, MailMessage] = {}
    subj: dict[str, PatchSubject] = {}
    for m in messages:
        ps = parse_subject(m.subject)
        if not ps.is_patch or not (ps.is_cover or m.has_diff):
            continue
        by_id[m.msgid] = m
        subj[m.msgid] = ps

    def same_set(a: PatchSubject, b: PatchSubject) -> bool:
        return a.revision == b.revision and a.total == b.total and a.resend == b.resend

    head_of: dict[str, str] = {}
    # Unthreaded: no parents, nothing replies to it, and part of a numbered series.
    answered = {p for m in by_id.values() for p in m.parents}
    loose = [(m, subj[mid]) for mid, m in by_id.items()
             if not m.parents and mid not in answered and subj[mid].total > 1]  # fmt: skip
    for members in group_unthreaded(loose):
        # Keyed by the member that arrived first, not the lowest counter: a patch 1 (or
        # cover letter) arriving after the others must not make the series a new one.
        head_of.update((mid, members[0]) for mid in members)
    orphan_parent: dict[str, str] = {}
    for mid, m in by_id.items():
        ps = subj[mid]
        if mid in head_of:
            continue
        if ps.is_cover:
            head_of[mid] = mid
            continue
        found = ""
        for anc in m.parents:  # nearest first: a cover letter of the same set
            a = subj.get(anc)
            if a and a.is_cover and same_set(a, ps):
                found = anc
                break
        if not found and ps.counter == 1:
            found = mid
        if not found:
            for anc in m.parents:  # no cover: patch 1 of the same set
                a = subj.get(anc)
                if a and a.counter == 1 and same_set(a, ps):
                    found = anc
                    break
        if not found:
            # Head not here (yet): key by the nearest unknown parent, else a reroll group.
            unknown = next((p for p in m.parents if p not in by_id), "")
            if unknown and m.in_reply_to == unknown:
                found = unknown
            else:
                orphan_parent[mid] = next((p for p in m.parents if p in by_id), "")
                found = ""
        head_of[mid] = found
    # Partial rerolls: orphans answering a message of an older series; group per (parent
    # series, revision) so v2 2/3 + v2 3/3 sent as replies form one reroll.
    series: dict[str, MailSeries] = {}
    order: list[str] = []

    def get(key: str, m: MailMessage, ps: PatchSubject) -> MailSeries:
        s = series.get(key)
        if s is None:
            s = MailSeries(key=key, revision=ps.revision, total=ps.total, title=ps.title,
                           author=m.author, author_addr=m.author_addr, rfc=ps.rfc,
                           resend=ps.resend, tags=ps.tags)  # fmt: skip
            series[key] = s
            order.append(key)
        return s

    reroll_key: dict[tuple[str, int, bool], str] = {}
    for mid in sorted(by_id, key=lambda i: (by_id[i].date, subj[i].counter)):
        m, ps = by_id[mid], subj[mid]
        key = head_of[mid]
        if not key:
            parent = orphan_parent.get(mid, "")
            pkey = head_of.get(parent, "") if parent else ""
            group = (pkey or mid, ps.revision, ps.resend)
            key = reroll_key.setdefault(group, mid)
            head_of[mid] = key
            s = get(key, m, ps)
            if pkey and pkey != key:
                s.partial_of = pkey
        s = get(key, m, ps)
        if ps.is_cover:
            s.cover = m
            s.title = ps.title
        else:
            old = s.patches.get(ps.counter)
            if old is None or m.date >= old.date:
                s.patches[ps.counter] = m
            if s.cover is None and ps.counter == 1:
                s.title = ps.title
    result = [series[k] for k in order]
    for s in result:
        texts = [s.cover.body] if s.cover else []
        texts += [m.body for _, m in sorted(s.patches.items())]
        s.trailers = read_trailers(texts[:2] if s.cover else texts[:1])
    _link_revisions(result, head_of)
    return result


def _link_revisions(result: list[MailSeries], head_of: dict[str, str]) -> None:
    """previous / obsoleted_by / inherited between revisions of the same work."""
    by_key = {s.key: s for s in result}

    def newer(a: MailSeries, b: MailSeries) -> bool:
        return (a.revision, a.resend, a.date) > (b.revision, b.resend, b.date)

    for s in result:
        prev: MailSeries | None = None
        if s.partial_of and s.partial_of in by_key:
            prev = by_key[s.partial_of]
        head = s.head_message
        if prev is None and head is not None:
            for anc in head.parents:
                k = head_of.get(anc)
                if k and k != s.key and k in by_key and newer(s, by_key[k]):
                    prev = by_key[k]
                    break
        if prev is None:
            for sid in s.trailers.supersedes:
                k = head_of.get(sid, sid)
                if k in by_key and k != s.key:
                    prev = by_key[k]
                    break
        if prev is None and s.trailers.change_id:
            cands = [o for o in result if o is not s and o.trailers.change_id
                     == s.trailers.change_id and newer(s, o)]  # fmt: skip
            if cands:
                prev = max(cands, key=lambda o: (o.revision, o.date))
        if prev is None and s.revision > 1:
            cands = [o for o in result if o is not s and o.author_addr == s.author_addr
                     and _norm_title(o.title) == _norm_title(s.title) and newer(s, o)]  # fmt: skip
            if cands:
                prev = max(cands, key=lambda o: (o.revision, o.date))
        if prev is None:
            continue
        s.previous = prev.key
        if s.partial_of == prev.key and s.total == prev.total:
            s.inherited = {c: m for c, m in prev.all_patches.items() if c not in s.patches}
            if s.cover is None and prev.cover is not None:
                s.cover = None  # replies to own patches; series-level to its first patch
        if not prev.obsoleted_by or newer(s, by_key.get(prev.obsoleted_by, prev)):
            prev.obsoleted_by = s.key
