"""DKIM for the mail tests: an RSA key made by the test (openssl), messages signed with it by
dkimpy, and the DNS TXT records the verifier looks up, served by a lookup function passed
to dkimpy (its `dnsfunc`) instead of the network: the verification itself is dkimpy's."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dkim


@dataclass
class Key:
    """A private key (PEM) and its DKIM TXT record."""

    private: bytes
    record: bytes


def make_key(folder: Path, name: str = "key") -> Key:
    """A 2048-bit RSA key generated here, and its `v=DKIM1; k=rsa; p=...` record."""
    pem = folder / f"{name}.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(pem), "2048"], check=True,
                   capture_output=True)  # fmt: skip
    der = subprocess.run(["openssl", "rsa", "-in", str(pem), "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout  # fmt: skip
    return Key(pem.read_bytes(), b"v=DKIM1; k=rsa; p=" + base64.b64encode(der))


@dataclass
class Dns:
    """TXT records by name, looked up as dkimpy's dnsfunc(name, timeout=...)."""

    records: dict[str, bytes] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def publish(self, selector: str, domain: str, key: Key) -> None:
        """Publish `key` at <selector>._domainkey.<domain>."""
        self.records[f"{selector}._domainkey.{domain}."] = key.record

    def __call__(self, name: bytes | str, timeout: float = 5) -> bytes | None:
        n = name.decode() if isinstance(name, bytes) else name
        self.asked.append(n)
        return self.records.get(n)


def sign(raw: bytes, key: Key, domain: str, selector: str = "s1",
         headers: Sequence[str] = ("From", "To", "Subject", "Date", "Message-ID",
                                   "In-Reply-To", "References")) -> bytes:  # fmt: skip
    """The message with a DKIM-Signature of `domain` on top, made by dkimpy."""
    present = {ln.split(b":", 1)[0].lower().decode() for ln in raw.split(b"\n\n", 1)[0].splitlines()
               if b":" in ln and not ln[:1].isspace()}  # fmt: skip
    inc = [h.encode() for h in headers if h.lower() in present]
    sig = dkim.sign(raw, selector.encode(), domain.encode(), key.private, include_headers=inc)
    return bytes(sig) + raw
