"""The repository stands alone: a user or contributor has this tree, not the developers'
notes next to it. No tracked file points outside it (`../shared`, the domain notes) or
speaks of the tracker's numbered work items; the docs it points to exist; `migcheck --help`
describes the tool, not its implementation."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve()

# Spelled in pieces so this file does not match itself.
FORBIDDEN = [
    ("a path outside the repository", re.compile(re.escape("../" + "shared") + r"|"
                                                  + re.escape("shared" + "/docs"))),
    ("the developers' domain notes", re.compile(re.escape("migration" + "-domain"))),
    ("a numbered work item of the tracker",
     re.compile(r"\b" + "iss" + r"ues?[ -]?#?\d+\b", re.IGNORECASE)),
]  # fmt: skip
DOCS = ("docs/architecture.md", "docs/migration-primer.md", "docs/presend-check.md")


def tracked_files() -> list[Path]:
    """Files git tracks (a checkout without git: every file outside caches and venvs)."""
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True,
                             check=True, timeout=60).stdout  # fmt: skip
        return [ROOT / p for p in out.decode().split("\0") if p]
    except (OSError, subprocess.SubprocessError):
        skip = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
        return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.parts)]


def test_no_tracked_file_points_outside_or_to_work_items() -> None:
    bad: list[str] = []
    files = tracked_files()
    assert len(files) > 100
    for path in files:
        if path == HERE or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary data
        for n, line in enumerate(text.splitlines(), start=1):
            for what, rx in FORBIDDEN:
                if rx.search(line):
                    bad.append(f"{path.relative_to(ROOT)}:{n}: {what}: {line.strip()[:100]}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", ["README.md", *DOCS])
def test_docs_exist_and_their_local_links_resolve(path: str) -> None:
    doc = ROOT / path
    assert doc.is_file(), f"{path} is missing"
    text = doc.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)\)", text):
        if "://" in target or target.startswith("mailto:"):
            continue
        assert (doc.parent / target).exists(), f"{path}: link to {target} does not resolve"
    # our own files by name (QEMU's docs/devel/... are QEMU's, named in the same style)
    for ref in re.findall(r"`((?:docs/[\w-]+\.md|(?:deploy|bench|examples)/[\w./-]+))`", text):
        assert (ROOT / ref).exists(), f"{path}: names {ref}, which does not exist"


def test_readme_covers_what_users_ask() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for heading in ("## Severity", "## Accepting a finding", "## What a run costs",
                    "## How a range is reviewed"):  # fmt: skip
        assert heading in readme, f"README lacks {heading!r}"
    for doc in DOCS[:2]:
        assert doc in readme


def _help(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main([*argv, "--help"])
    return out.getvalue()


@pytest.mark.parametrize("command", [(), ("check",), ("demo",), ("serve",), ("ci",)])
def test_help_describes_the_tool_not_its_implementation(command: tuple[str, ...]) -> None:
    text = _help(*command)
    for word in ("argparse", "BotError", "traceback", "pygit2", "Starlette", "uvicorn",
                 "tree-sitter", "dataclass"):  # fmt: skip
        assert word not in text, f"`migcheck {' '.join(command)} --help` mentions {word}"
    if not command:
        assert "live-migration breakage" in text and "Exit status" in text
