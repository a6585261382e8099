"""One redaction function for every text that leaves the process: log lines, notes, mails,
`/status`, the state DB, and whatever a build or a QEMU run printed.

    from bot.redact import redact, shown
    note_body = shown(build_output, 4000)     # redacted, then capped with a marker
    clean = redact(text)                      # redacted, not capped

What is replaced by [REDACTED]:
- the values of environment variables that hold secrets (any name that looks like a token,
  secret, password, key or credential, plus names passed in by the caller, e.g. the config's
  `*_env` keys);
- header values (`Authorization: ...`, `PRIVATE-TOKEN: ...`, `X-Gitlab-Token`, cookies) in
  header dumps, dict reprs and JSON;
- `name=value` / `name: value` / `NAME="value"` where the name looks like a secret
  (`private_token=`, `CI_JOB_TOKEN=`, `MIGCHECK_SMTP_PASSWORD='...'`);
- `token abc`, `password abc` (netrc and prose-like forms; common English words after the
  keyword are left alone, so "token is missing" stays readable);
- passwords in URLs, including ones holding `/` or `@` (`redis://:p@ss/w@host/0`: everything
  from the `:` after the user to the last `@` of the URL);
- SMTP `AUTH` arguments, `Bearer` tokens, GitLab token shapes including the `.01.xyz` tail of
  the routable format (`glpat-`, `gldt-`, `glrt-`, `glcbt-`, ...) and runner registration
  tokens (`GR1348941...`).
Over-redaction is preferred to a leak.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[REDACTED]"
MIN_SECRET_LEN = 4  # shorter values would redact ordinary words

# Environment variable names whose values are treated as secrets even when no config names them.
SECRET_ENV_NAME = re.compile(
    r"(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|PRIVATE_?KEY|CREDENTIAL|COOKIE)",
    re.I,
)
HEADER_NAMES = (
    r"authorization|proxy-authorization|private-token|x-gitlab-token|job-token|"
    r"webhook-signature|cookie|set-cookie|x-api-key"
)
KEY_NAMES = (
    r"private_token|access_token|token|secret|password|passwd|smtp_password|api_key|"
    r"webhook_secret|signing_secret|oauth_token|job_token"
)
# Words that may follow "token"/"password" in prose; anything else there is taken as a value.
_PROSE = (
    r"is|was|are|were|has|had|have|be|been|for|from|of|to|in|on|at|by|not|no|and|or|the|a|an|"
    r"with|without|expired|missing|invalid|required|needed|set|unset|found|given|file|type|"
    r"name|env|variable|value|must|may|can|cannot|should|will|would|if|when|that|this|it|"
    r"authentication|auth|scope|scopes|prefix|length|format|header|field"
)
_GITLAB_TYPES = r"pat|oas|dt|rt|rtr|cbt|ptt|ft|imt|agent|soat|ffct|wt|sst|ctt|st"
_TOKEN_CHARS = r"[A-Za-z0-9_/\-]"
_QUOTED_OR_BARE = r"(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s&,;'\"\)\]}]+)"

PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # header dumps: "Authorization: Bearer abc", "PRIVATE-TOKEN: abc" (whole rest of line)
    (re.compile(rf"(?im)^(\s*(?:{HEADER_NAMES})\s*:\s*)(\S.*)$"), rf"\1{REDACTED}"),
    # dict/JSON reprs: 'PRIVATE-TOKEN': 'abc' / "password": "abc" / b'x-gitlab-token': b'abc'
    (
        re.compile(
            rf"(?i)(b?['\"](?:{HEADER_NAMES}|{KEY_NAMES})['\"]\s*[:,]\s*b?)(['\"])(.*?)(?<!\\)\2"
        ),
        rf"\1\2{REDACTED}\2",
    ),
    # environment-style assignments of secret-looking names, also inside longer names:
    # CI_JOB_TOKEN=abc, export MIGCHECK_SMTP_PASSWORD="a b", PGPASSWORD: x
    (
        re.compile(
            r"(?i)(\b[A-Za-z0-9_.\-]*(?:TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|"
            r"PRIVATE_?KEY|CREDENTIALS?)[A-Za-z0-9_]*\s*[=:]\s*)(?:bearer\s+|basic\s+)?"
            rf"(?!\[REDACTED\]){_QUOTED_OR_BARE}"
        ),
        rf"\1{REDACTED}",
    ),
    # inline headers / parameters: "authorization=Bearer x", "private_token=abc&", "token: abc"
    (
        re.compile(
            rf"(?i)\b((?:{HEADER_NAMES}|{KEY_NAMES})\s*[=:]\s*)(?:bearer\s+|basic\s+|token\s+)?"
            r"(?!\[REDACTED\])([^\s&,;'\"\)\]}]+)"
        ),
        rf"\1{REDACTED}",
    ),
    # "token abc", "password hunter2" (netrc, `Authorization: token x` bodies, prose)
    (
        re.compile(
            r"(?i)\b((?:token|password|passwd|passphrase|secret)[ \t]+)"
            rf"(?!(?:{_PROSE})\b)(?!\[REDACTED\])([^\s'\"<>]{{3,}})"
        ),
        rf"\1{REDACTED}",
    ),
    # credentials in URLs: scheme://user:password@host — the password may hold '/' and '@'
    # (unencoded): take everything up to the last '@' before whitespace or a quote.
    (
        re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@'\"<>]*:)(?!\[REDACTED\]@)"
                   r"([^\s'\"<>]*)(@)"),
        rf"\1{REDACTED}\3",
    ),
    # SMTP AUTH: "AUTH PLAIN <b64>", "AUTH LOGIN <b64>", and smtplib's "send: 'AUTH ...'"
    (re.compile(r"(?i)\b(AUTH\s+(?:PLAIN|LOGIN|CRAM-MD5|XOAUTH2)\s+)(\S+)"), rf"\1{REDACTED}"),
    # GitLab token shapes anywhere, with the routable format's `.01.xxxx` tail
    (
        re.compile(
            rf"\bgl(?:{_GITLAB_TYPES})-{_TOKEN_CHARS}{{8,}}(?:\.{_TOKEN_CHARS}+)*"
        ),
        REDACTED,
    ),
    # future gl<type>- prefixes: long, mixed case and digits (so `glib-networking` survives)
    (
        re.compile(
            r"\bgl[a-z]{2,7}-(?=[A-Za-z0-9_\-]*[0-9])(?=[A-Za-z0-9_\-]*[A-Z])"
            rf"{_TOKEN_CHARS}{{20,}}(?:\.{_TOKEN_CHARS}+)*"
        ),
        REDACTED,
    ),
    # runner registration tokens
    (re.compile(r"\bGR1348941[A-Za-z0-9_\-]{16,}"), REDACTED),
    # Bearer tokens anywhere
    (re.compile(r"(?i)\b(bearer\s+)(?!\[REDACTED\])([A-Za-z0-9._~+/=\-]{8,})"), rf"\1{REDACTED}"),
)

_MAPPING_KEY = re.compile(
    rf"(?i){HEADER_NAMES}|{KEY_NAMES}|.*(?:token|secret|password|passwd|api_?key).*"
)


class Redactor:
    """Replaces secret values and credential-shaped substrings with [REDACTED]."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = {s for s in secrets if s and len(s) >= MIN_SECRET_LEN}
        # longest first, so a secret containing another is removed whole
        self._values = tuple(sorted(values, key=len, reverse=True))
        self._value_re = (
            re.compile("|".join(re.escape(v) for v in self._values)) if self._values else None
        )

    @classmethod
    def from_environment(
        cls, env: Mapping[str, str] | None = None, names: Iterable[str] = ()
    ) -> Redactor:
        """A redactor for the values of the named variables and of every secret-looking one."""
        env = os.environ if env is None else env
        return cls(secret_values(env, names))

    @property
    def values(self) -> tuple[str, ...]:
        """The secret values (longest first)."""
        return self._values

    def redact(self, text: str) -> str:
        """text with every known secret and credential-shaped substring replaced."""
        if self._value_re is not None:
            text = self._value_re.sub(REDACTED, text)
        for pattern, repl in PATTERNS:
            text = pattern.sub(repl, text)
        return text

    def redact_value(self, value: Any) -> Any:
        """A JSON-able copy of value with every string redacted (containers walked)."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, bytes):
            return self.redact(value.decode("utf-8", "replace"))
        if isinstance(value, bool | int | float) or value is None:
            return value
        if isinstance(value, Mapping):
            out: dict[str, Any] = {}
            for k, v in value.items():
                key = str(k)
                if _MAPPING_KEY.fullmatch(key) and not key.lower().endswith("_env"):
                    out[key] = REDACTED
                else:
                    out[key] = self.redact_value(v)
            return out
        if isinstance(value, list | tuple | set | frozenset):
            return [self.redact_value(v) for v in value]
        return self.redact(repr(value))


def secret_values(env: Mapping[str, str], names: Iterable[str] = ()) -> list[str]:
    """Values of the named variables and of every variable whose name looks secret."""
    wanted = {n for n in names if n}
    return [v for k, v in env.items() if k in wanted or SECRET_ENV_NAME.search(k)]


@functools.lru_cache(maxsize=8)
def _redactor_for(values: tuple[str, ...]) -> Redactor:
    return Redactor(values)


def redact(text: str, *, env: Mapping[str, str] | None = None,
           extra_secrets: Iterable[str] = ()) -> str:
    """text with the environment's secrets and every credential shape replaced."""
    values = tuple(sorted({*secret_values(os.environ if env is None else env),
                           *extra_secrets}))
    return _redactor_for(values).redact(text)


def cap(text: str, limit: int, *, marker: str = "[... {n} more characters cut]") -> str:
    """text cut to about `limit` characters, saying how much was cut."""
    if limit <= 0 or len(text) <= limit:
        return text
    return text[:limit] + "\n" + marker.format(n=len(text) - limit)


def shown(text: str, limit: int = 4000, *, env: Mapping[str, str] | None = None) -> str:
    """text as it may be shown to people: redacted first, then capped."""
    return cap(redact(text, env=env), limit)
