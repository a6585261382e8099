"""Issue 10 item 2: a build reads nothing it should not — not the state DB, not the config
file, not another job's work dir, not /run — and reaches no host socket (Unix or TCP)."""

from __future__ import annotations

import socket
from pathlib import Path

from secfix import PROFILE, hostile_series

from bot.artifacts.build import build_pair
from bot.artifacts.sandbox import Limits, probe

PROBE = r"""python3 - > "$PWD/report.txt" 2>&1 <<'PY'
import os, socket
def read(p):
    try:
        with open(p, "rb") as f:
            print("READ", p, f.read(100))
    except OSError as e:
        print("DENIED", p, e.errno)
for p in ("STATE", "CONFIG", "OTHERJOB", "/etc/shadow", "/root/.ssh/id_rsa"):
    read(p)
for d in ("/run", "/var/run", "HOMEDIR"):
    try:
        print("LISTED", d, sorted(os.listdir(d))[:20])
    except OSError as e:
        print("DENIED", d, e.errno)
s = socket.socket(socket.AF_UNIX)
try:
    s.connect("UNIXSOCK"); s.sendall(b"PING\n"); print("CONNECTED unix")
except OSError as e:
    print("DENIED unix", e.errno)
try:
    socket.create_connection(("127.0.0.1", TCPPORT), timeout=2); print("CONNECTED tcp")
except OSError as e:
    print("DENIED tcp", e.errno)
PY
"""


def test_a_build_reads_no_host_state_and_reaches_no_socket(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "state.sqlite3").write_text("STATE-DB-CONTENT")
    config = tmp_path / "migcheck.toml"
    config.write_text('[gitlab]\nurl = "https://gitlab.example"  # CONFIG-CONTENT\n')
    other = tmp_path / "jobs" / "other-job" / "build"
    other.mkdir(parents=True)
    (other / "private.txt").write_text("OTHER-JOB-CONTENT")
    sock_path = tmp_path / "host.sock"
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(str(sock_path))
    unix.listen(1)
    unix.settimeout(0.2)
    tcp = socket.create_server(("127.0.0.1", 0))
    tcp.settimeout(0.2)
    gen = (PROBE.replace("STATE", str(state / "state.sqlite3"))
           .replace("CONFIG", str(config)).replace("OTHERJOB", str(other / "private.txt"))
           .replace("HOMEDIR", str(tmp_path)).replace("UNIXSOCK", str(sock_path))
           .replace("TCPPORT", str(tcp.getsockname()[1])))
    repo, base, head = hostile_series(tmp_path, gen)
    build_pair(str(repo), base, head, tmp_path / "jobs" / "this-job", PROFILE,
               sandbox=probe(True), limits=Limits())
    report = (tmp_path / "jobs" / "this-job" / "build" / "report.txt").read_text()
    for secret in ("STATE-DB-CONTENT", "CONFIG-CONTENT", "OTHER-JOB-CONTENT", "root:"):
        assert secret not in report, report
    assert "READ" not in report and "CONNECTED" not in report, report
    assert "LISTED /run" not in report or "LISTED /run []" in report, report
    for s in (unix, tcp):
        try:
            _conn, _ = s.accept()
        except (TimeoutError, OSError):
            continue
        raise AssertionError(f"the build connected to {s}")
    unix.close()
    tcp.close()
