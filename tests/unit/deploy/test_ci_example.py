"""deploy/gitlab-ci-example.yml: runs where the MR widget needs it (merge requests and the
default branch) and installs *this* project — the install line of the example, pointed at a
git repository of this checkout, installs the distribution named in pyproject.toml and its
`migcheck` command (pip refuses a `name @ url` whose name differs from what it builds)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "deploy" / "gitlab-ci-example.yml"


def _job() -> dict[str, object]:
    data = yaml.safe_load(EXAMPLE.read_text())
    return dict(data["migration-compat"])


def test_runs_in_merge_request_and_default_branch_pipelines() -> None:
    rules = [r["if"] for r in _job()["rules"]]  # type: ignore[attr-defined]
    assert '$CI_PIPELINE_SOURCE == "merge_request_event"' in rules
    assert "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH" in rules
    assert _job()["variables"]["GIT_DEPTH"] == "0"  # type: ignore[index]


def test_installs_our_distribution_by_its_own_name_from_git() -> None:
    name = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]
    assert name == "qemu-migcheck"
    spec = _job()["variables"]["MIGCHECK_PIP_SPEC"]  # type: ignore[index]
    assert re.fullmatch(rf"{name} @ git\+https://\S+\.git@\S+", spec), spec
    install = " ".join(_job()["before_script"])  # type: ignore[arg-type]
    assert 'pip install --quiet "$MIGCHECK_PIP_SPEC"' in install
    assert not re.search(r"pip install\s+(--\S+\s+)*migcheck\b", install)


def test_the_install_line_builds_this_project_from_a_git_url(tmp_path: Path) -> None:
    src = tmp_path / "migcheck.git"
    work = tmp_path / "work"  # the repository as published: committed files only
    shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", "*.egg-info", "build", ".migcheck-cache"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    git_env = {**env, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@e",
               "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@e"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "x"],
                 ["tag", "v0.1.0"]):
        subprocess.run(["git", "-C", str(work), *args], check=True, env=git_env)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(src)], check=True)
    spec = str(_job()["variables"]["MIGCHECK_PIP_SPEC"])  # type: ignore[index]
    spec = re.sub(r"git\+https://\S+\.git@", f"git+file://localhost{src}@", spec)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    vpy = venv / "bin" / "python"
    vsite = subprocess.run([str(vpy), "-c", "import sysconfig; print(sysconfig.get_paths()"
                            "['purelib'])"], check=True, capture_output=True, text=True)
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(vsite.stdout.strip(), "zz_deps.pth").write_text("".join(f"{d}\n" for d in deps))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(vpy), "install", "-q",
                    "--no-deps", "--no-build-isolation", "--no-index", spec],
                   check=True, env=env, cwd=tmp_path)
    out = subprocess.run([str(venv / "bin" / "migcheck"), "--version"], check=True,
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.stdout.startswith("migcheck ")
    shown = subprocess.run([sys.executable, "-m", "pip", "--python", str(vpy), "show",
                            "qemu-migcheck"], capture_output=True, text=True, env=env)
    assert "Name: qemu-migcheck" in shown.stdout
