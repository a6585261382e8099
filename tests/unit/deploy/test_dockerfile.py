"""Invariants of the Dockerfile, checked by parsing it (no Docker engine needed).

hadolint is not packaged for Debian; these are the rules that matter for this image: runs as
a non-root user, has a health check on /healthz, the console script is the entrypoint, it is
built from the repository alone (no COPY from outside the context, no ADD of URLs, no curl),
no secret is baked in, and the packages `--build` needs are installed.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = ROOT / "Dockerfile"
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE)", re.I)
QEMU_BUILD_PACKAGES = {
    "git",
    "bubblewrap",
    "libglib2.0-dev",
    "libpixman-1-dev",
    "ninja-build",
    "meson",
    "flex",
    "bison",
    "libfdt-dev",
    "pkg-config",
    "gcc",
    "qemu-system-x86",
}


@dataclass(frozen=True)
class Instr:
    """One Dockerfile instruction: keyword, raw argument text, stage index, line."""

    op: str
    args: str
    stage: int
    line: int


def parse(text: str) -> list[Instr]:
    """Instructions with continuation lines joined and comments dropped."""
    out: list[Instr] = []
    stage = -1
    buf = ""
    start = 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if buf and line.lstrip().startswith("#"):
            continue  # comment lines inside a continued instruction
        if not buf:
            start = n
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        op, _, args = buf.strip().partition(" ")
        op = op.upper()
        if op == "FROM":
            stage += 1
        out.append(Instr(op, args.strip(), stage, start))
        buf = ""
    assert not buf, "Dockerfile ends inside a continued line"
    return out


def exec_form(args: str) -> list[str]:
    """The JSON (exec) form of CMD/ENTRYPOINT/HEALTHCHECK CMD; fails on shell form."""
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value)
    return value


def flags_and_rest(args: str) -> tuple[dict[str, str], list[str]]:
    """--flag=value options of COPY/ADD and the remaining words."""
    words = shlex.split(args)
    flags: dict[str, str] = {}
    while words and words[0].startswith("--"):
        k, _, v = words.pop(0)[2:].partition("=")
        flags[k] = v
    return flags, words


@pytest.fixture(scope="module")
def instrs() -> list[Instr]:
    return parse(DOCKERFILE.read_text(encoding="utf-8"))


def final_stage(instrs: list[Instr]) -> list[Instr]:
    last = max(i.stage for i in instrs)
    return [i for i in instrs if i.stage == last]


def test_parses_and_known_instructions(instrs: list[Instr]) -> None:
    known = {
        "FROM",
        "ARG",
        "ENV",
        "RUN",
        "COPY",
        "WORKDIR",
        "USER",
        "VOLUME",
        "EXPOSE",
        "HEALTHCHECK",
        "ENTRYPOINT",
        "CMD",
        "LABEL",
    }
    assert instrs and instrs[0].op in ("FROM", "ARG")
    assert {i.op for i in instrs} <= known, {i.op for i in instrs} - known


def test_slim_python_base(instrs: list[Instr]) -> None:
    args = {
        i.args.split("=", 1)[0]: i.args.split("=", 1)[1]
        for i in instrs
        if i.op == "ARG" and "=" in i.args and i.stage == -1
    }
    for i in instrs:
        if i.op != "FROM":
            continue
        image = i.args.split()[0]
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
        assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", image), image


def test_runs_as_non_root(instrs: list[Instr]) -> None:
    users = [i for i in final_stage(instrs) if i.op == "USER"]
    assert users, "final stage has no USER"
    user = users[-1].args.split(":")[0]
    assert user not in ("root", "0"), user
    later = [i for i in final_stage(instrs) if i.line > users[-1].line]
    assert not any(i.op == "USER" for i in later)
    # the user is created in the image
    assert any(
        i.op == "RUN" and "useradd" in i.args and user in i.args for i in final_stage(instrs)
    )


def test_healthcheck_hits_healthz(instrs: list[Instr]) -> None:
    hcs = [i for i in final_stage(instrs) if i.op == "HEALTHCHECK"]
    assert len(hcs) == 1
    args = hcs[0].args
    cmd = exec_form(args[args.index("CMD") + 3 :].strip())
    envs = " ".join(i.args for i in final_stage(instrs) if i.op == "ENV")
    assert "/healthz" in " ".join(cmd) or (
        "MIGCHECK_HEALTH_URL" in " ".join(cmd) and "/healthz" in envs
    )
    assert "--timeout=" in args and "--interval=" in args


def test_entrypoint_is_the_console_script(instrs: list[Instr]) -> None:
    eps = [i for i in final_stage(instrs) if i.op == "ENTRYPOINT"]
    assert len(eps) == 1
    argv = exec_form(eps[0].args)
    assert argv[-1] == "migcheck"
    cmd = [i for i in final_stage(instrs) if i.op == "CMD"]
    assert cmd and exec_form(cmd[-1].args)[0] == "serve"


def test_copies_only_from_the_repository(instrs: list[Instr]) -> None:
    for i in instrs:
        assert i.op != "ADD", f"line {i.line}: use COPY (ADD can fetch URLs / unpack archives)"
        if i.op != "COPY":
            continue
        flags, words = flags_and_rest(i.args)
        *srcs, _dest = words
        if "from" in flags:
            assert flags["from"] in {"build"}, f"line {i.line}: COPY --from={flags['from']}"
            continue
        for src in srcs:
            assert not src.startswith("/") and ".." not in Path(src).parts, src
            assert (ROOT / src).exists(), f"line {i.line}: {src} is not in the repository"
            assert not src.startswith(".git")


def test_network_only_for_package_registries(instrs: list[Instr]) -> None:
    for i in instrs:
        if i.op == "RUN":
            assert not re.search(r"\b(curl|wget|git clone|git fetch)\b", i.args), i.line
            assert "http://" not in i.args and "https://" not in i.args, i.line


def test_no_secrets_baked_in(instrs: list[Instr]) -> None:
    for i in instrs:
        if i.op in ("ENV", "ARG", "LABEL"):
            for word in shlex.split(i.args):
                name = word.split("=", 1)[0]
                assert not SECRET_NAME.search(name), f"line {i.line}: {name} looks like a secret"
        assert not re.search(r"glpat-|PRIVATE-TOKEN|X-Gitlab-Token", i.args), i.line


def test_installs_the_build_and_runtime_packages(instrs: list[Instr]) -> None:
    words: set[str] = set()
    for i in final_stage(instrs):
        if i.op == "RUN" and "apt-get install" in i.args:
            words |= set(i.args.split())
            assert "--no-install-recommends" in i.args
            assert "rm -rf /var/lib/apt/lists" in i.args
    missing = QEMU_BUILD_PACKAGES - words
    assert not missing, missing


def test_dockerignore_keeps_context_to_the_repo() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ".git" in lines
    assert any(line.startswith(".env") or line == "*.env" for line in lines)


def test_parser_handles_continuations() -> None:
    got = parse("FROM a AS b\nRUN x \\\n  # c\n  && y\nUSER u\n")
    assert [(i.op, i.stage) for i in got] == [("FROM", 0), ("RUN", 0), ("USER", 0)]
    assert "&& y" in got[1].args
