"""Waivers: a maintainer accepts a finding on purpose, with a reason that stays visible.

Three ways to write one, all read into the one `Waiver` type and applied in one place
(`apply_waivers`, called by bot.review.review for every front end):

- a commit trailer in the series: `Migration-compat: accept MIG004 <reason>` (who: the
  commit's author, and its committer when that is someone else);
- a command line in a GitLab merge request note or in a mail reply to the bot:
  `/migcheck accept MIG004 <reason>` (who: the GitLab user / the mail sender; the front end
  checks that they may: Developer access on the project, or the mail sender policy);
- the configuration: `[[waiver]]` tables with `rule`, optional `path` and `entity` globs,
  and `reason` (who: "config").

`RULE:GLOB` narrows a trailer or a command to findings whose path or entity matches the
glob (`*`, `?`): `hw/misc/*.c`, `vmstate_foo` (also covers `vmstate_foo.fields[scratch]`),
`scratch` or `foo-pci/fifo` (a part of the entity: a field, a subsection). A waived
finding stays in the report as a note that says who waived it and why (`Finding.waived`),
so it never blocks: not the exit code, not the GitLab status, not a mail reply's verdict.

Everything here is hostile input (commit messages, notes, mails): a rule id must look like
one, a reason is required and capped, control characters are dropped.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import ConfigError
from bot.findings import Finding, Severity, Waived

if TYPE_CHECKING:
    from bot.series import Series

TRAILER = "Migration-compat"
COMMAND = "migcheck"
MAX_REASON = 300
MAX_GLOB = 200
MAX_PER_SOURCE = 50  # waivers read from one commit, note or mail
SOURCES = ("trailer", "note", "mail", "config")

_RULE = re.compile(r"^[A-Z]{2,8}[0-9]{2,4}$")
_ACCEPT = re.compile(r"^accept(?:[ \t]+(?P<rule>\S+))?(?:[ \t]+(?P<reason>.*?))?[ \t]*$", re.I)
_TRAILER_LINE = re.compile(rf"^{re.escape(TRAILER)}[ \t]*:[ \t]*(?P<value>.*)$", re.I)
_COMMAND_LINE = re.compile(rf"^ {{0,3}}/{re.escape(COMMAND)}[ \t]+(?P<args>accept\b.*)$", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class Waiver:
    """One accepted finding kind: a rule, where it applies, why, and who said so."""

    rule: str  # rule id, upper case (MIG004, ART010 ...)
    reason: str
    by: str  # "Name <email>" (trailer, mail), "@user" (GitLab note) or "config"
    source: str  # trailer | note | mail | config
    path: str = "*"  # glob over Finding.path
    entity: str = "*"  # glob over Finding.entity (or a prefix or part of it, see above)
    origin: str = ""  # the commit, note or message it came from
    target: str = "*"  # `RULE:GLOB` of a trailer or command: the path or the entity matches

    def matches(self, f: Finding) -> bool:
        """Whether this waiver covers the finding."""
        return (
            f.rule.upper() == self.rule
            and (self.path == "*" or fnmatch.fnmatchcase(f.path, self.path))
            and (self.entity == "*" or _entity_matches(f.entity, self.entity))
            and (
                self.target == "*"
                or fnmatch.fnmatchcase(f.path, self.target)
                or _entity_matches(f.entity, self.target)
            )
        )

    def describe(self) -> str:
        """`MIG004`, `MIG004:foo-pci/fifo` (as written) or the config's globs."""
        where = [g for g in (self.target, self.path, self.entity) if g != "*"]
        return ":".join((self.rule, *where))


class WaiverError(ValueError):
    """A waiver that cannot be read; the text says what is wrong (shown to the writer)."""


def _entity_matches(entity: str, glob: str) -> bool:
    """`*` and `?` are wildcards, `[` is literal (entities use it for names); the glob may
    match the entity, a prefix of it up to `.` or `[` (a VMSD covers its fields), or one of
    its parts (`scratch` in `vmstate_foo.fields[scratch]`)."""
    pattern = re.compile(re.escape(glob).replace(r"\*", ".*").replace(r"\?", "."))
    prefixes = [entity[:m.start()] for m in re.finditer(r"[.\[]", entity)]
    parts = [p for p in re.split(r"[.\[\]]+", entity) if p]
    return any(pattern.fullmatch(c) for c in (entity, *prefixes, *parts))


def clean(text: str, limit: int = MAX_REASON) -> str:
    """One line of hostile text: control and bidi characters dropped, spaces folded, capped."""
    out = " ".join(_CONTROL.sub("", text).split())
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _split_target(target: str) -> tuple[str, str]:
    """(rule, glob) of `RULE` or `RULE:GLOB` ("*" without a glob)."""
    rule, _, glob = target.partition(":")
    rule = rule.upper()
    if not _RULE.match(rule):
        raise WaiverError(f"{clean(rule, 40)!r} is not a rule id (e.g. MIG004)")
    return rule, clean(glob, MAX_GLOB) or "*"


def parse_accept(args: str, *, by: str, source: str, origin: str = "") -> Waiver:
    """The Waiver of `accept RULE[:GLOB] REASON`; WaiverError says what is wrong."""
    m = _ACCEPT.match(args.strip())
    if m is None:
        raise WaiverError("expected `accept RULE REASON`")
    if not m.group("rule"):
        raise WaiverError("`accept` needs a rule id and a reason, e.g. `accept MIG004 <why>`")
    rule, glob = _split_target(m.group("rule"))
    reason = clean(m.group("reason") or "")
    if not reason:
        raise WaiverError(f"`accept {rule}` needs a reason (why the break is acceptable)")
    return Waiver(rule, reason, clean(by, 120) or "unknown", source, origin=origin, target=glob)


def trailer_waivers(series: Series) -> tuple[list[Waiver], list[str]]:
    """Waivers from `Migration-compat: accept ...` trailers of every commit of the series
    (first-parent line and merged branches); problems as lines for the report."""
    waivers: list[Waiver] = []
    problems: list[str] = []
    for p in (*series.patches, *series.merged):
        by = p.author
        if p.committer and p.committer != p.author:
            by = f"{p.author}, committed by {p.committer}"
        found = 0
        for value in _trailer_values(p.message):
            found += 1
            if found > MAX_PER_SOURCE:
                problems.append(f"commit {p.commit[:12]}: more than {MAX_PER_SOURCE} "
                                f"{TRAILER} trailers; the rest are ignored")  # fmt: skip
                break
            try:
                waivers.append(parse_accept(value, by=by, source="trailer", origin=p.commit))
            except WaiverError as exc:
                problems.append(f"commit {p.commit[:12]}: {TRAILER} trailer ignored: {exc}")
    return waivers, problems


def _trailer_values(message: str) -> list[str]:
    """Values of the Migration-compat trailers in a commit message's last paragraph."""
    paras = [p for p in re.split(r"\n[ \t]*\n", message.strip()) if p.strip()]
    if len(paras) < 2:  # a subject alone has no trailer block
        return []
    out = []
    for line in paras[-1].splitlines():
        m = _TRAILER_LINE.match(line.strip())
        if m:
            out.append(m.group("value"))
    return out


def command_waivers(
    lines: Iterable[str], *, by: str, source: str, origin: str = ""
) -> tuple[list[Waiver], list[str]]:
    """Waivers from `/migcheck accept ...` lines (already filtered to what the writer wrote
    as prose: no quotes, no code); problems as lines for the writer."""
    waivers: list[Waiver] = []
    problems: list[str] = []
    for line in lines:
        m = _COMMAND_LINE.match(line)
        if m is None:
            continue
        if len(waivers) + len(problems) >= MAX_PER_SOURCE:
            problems.append(f"more than {MAX_PER_SOURCE} accept lines; the rest are ignored")
            break
        try:
            waivers.append(parse_accept(m.group("args"), by=by, source=source, origin=origin))
        except WaiverError as exc:
            problems.append(f"`/{COMMAND} {clean(m.group('args'), 80)}` ignored: {exc}")
    return waivers, problems


def mail_waivers(body: str, sender: str, *, origin: str = "") -> tuple[list[Waiver], list[str]]:
    """Waivers a mail reply asks for (`/migcheck accept RULE REASON` lines of its own text:
    quoted `>` lines and everything after the `-- ` signature separator are not read).

    For the mail front end: call it only for a sender the mail sender policy trusts, and
    pass the result as ReviewOptions.waivers; the review applies them like any other.
    """
    own: list[str] = []
    for line in body.splitlines():
        if line.rstrip() == "--":
            break
        if line.lstrip().startswith(">"):
            continue
        own.append(line)
    return command_waivers(own, by=sender, source="mail", origin=origin)


def config_waivers(raw: Any, *, source: str = "") -> tuple[Waiver, ...]:
    """Waivers from the `[[waiver]]` tables of a TOML configuration; ConfigError names the
    first bad entry."""
    if not isinstance(raw, list):
        raise ConfigError("waiver: expected an array of tables ([[waiver]])",
                          input_name=source or None)  # fmt: skip
    out = []
    for i, entry in enumerate(raw):
        key = f"waiver[{i}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{key}: expected a table", input_name=source or None)
        unknown = sorted(set(entry) - {"rule", "path", "entity", "reason"})
        if unknown:
            raise ConfigError(f"{key}.{unknown[0]}: unknown key", input_name=source or None,
                              hint="a waiver has rule, path, entity and reason")  # fmt: skip
        values = {k: entry.get(k, "*" if k in ("path", "entity") else "") for k in
                  ("rule", "path", "entity", "reason")}  # fmt: skip
        bad = [k for k, v in values.items() if not isinstance(v, str)]
        if bad:
            raise ConfigError(f"{key}.{bad[0]}: expected a string", input_name=source or None)
        rule = str(values["rule"]).upper()
        if not _RULE.match(rule):
            raise ConfigError(f"{key}.rule: {values['rule']!r} is not a rule id (e.g. MIG004)",
                              input_name=source or None)  # fmt: skip
        reason = clean(str(values["reason"]))
        if not reason:
            raise ConfigError(f"{key}.reason: a waiver needs a reason",
                              input_name=source or None)  # fmt: skip
        out.append(Waiver(rule, reason, "config", "config", str(values["path"]) or "*",
                          str(values["entity"]) or "*", source))  # fmt: skip
    return tuple(out)


def load_waivers(path: str | Path) -> tuple[Waiver, ...]:
    """The `[[waiver]]` tables of a TOML file (`migcheck check --waivers FILE`); ConfigError
    (exit 2) names the file and the bad entry."""
    from bot.config import read_toml  # bot.config reads [[waiver]] tables through here

    p = Path(path)
    data = read_toml(p, "waiver file", "pass --waivers FILE (TOML)")
    unknown = sorted(set(data) - {"waiver"})
    if unknown:
        raise ConfigError(f"{unknown[0]}: unknown key", input_name=str(p),
                          hint="the file holds [[waiver]] tables only")  # fmt: skip
    return config_waivers(data.get("waiver", []), source=str(p))


def apply_waivers(
    findings: Sequence[Finding], waivers: Sequence[Waiver]
) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    """(findings with the waived ones turned into notes that say who and why, lines naming
    the waivers that matched nothing). The first matching waiver wins."""
    used: set[int] = set()
    out = []
    for f in findings:
        hit = next((i for i, w in enumerate(waivers) if w.matches(f)), None)
        if hit is None or f.waived is not None:
            out.append(f)
            continue
        used.add(hit)
        w = waivers[hit]
        waived = Waived(by=w.by, reason=w.reason, source=w.source, severity=f.severity)
        out.append(dataclasses.replace(f, severity=Severity.NOTE, waived=waived))
    unused = tuple(
        f"waiver {w.describe()} ({w.source}, {w.by}) matched no finding"
        for i, w in enumerate(waivers)
        if i not in used
    )
    return tuple(out), unused
