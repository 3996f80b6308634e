"""pollwatch installed as a wheel, away from the checkout, as a user would install it: the
command runs, finds its layouts and templates inside the installed packages, and ingests a drop.
(It once found its layout files through the checkout's folder layout, which no wheel has.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.helpers import ROOT, settle


def uv() -> str:
    found = shutil.which("uv") or ROOT / ".bootstrap" / "bin" / "uv"
    if not os.path.exists(found):
        pytest.fail("uv is needed to build the wheel; `make test` installs it (.bootstrap/bin/uv)")
    return str(found)


def run(*command, **options) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, **options)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


def test_the_installed_wheel_finds_its_layouts_and_ingests_a_drop(tmp_path):
    wheels = tmp_path / "wheels"
    run(uv(), "build", "--wheel", "--out-dir", str(wheels), "--project", str(ROOT), "-q")
    requirements = tmp_path / "requirements.txt"
    exported = run(
        uv(),
        "export",
        "--project",
        str(ROOT),
        "--frozen",
        "--no-dev",
        "--no-hashes",
        "--no-emit-project",
        "-q",
    )
    requirements.write_text(exported.stdout)
    venv = tmp_path / "venv"
    run(uv(), "venv", "-q", str(venv), "--python", sys.executable)
    [wheel] = wheels.glob("*.whl")
    run(
        uv(),
        "pip",
        "install",
        "-q",
        "--python",
        str(venv / "bin" / "python"),
        "-r",
        str(requirements),
        str(wheel),
    )
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "data" / "inbox").mkdir(parents=True)
    drop = shutil.copy(
        ROOT / "data" / "samples" / "kiis_zelensky_trust_2022-2025.csv",
        elsewhere / "data" / "inbox",
    )
    settle(drop)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "POLLWATCH_"))}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    pollwatch = str(venv / "bin" / "pollwatch")

    layouts = run(pollwatch, "layouts", cwd=elsewhere, env=env).stdout
    assert "fte_approval_polls" in layouts and "levada_putin_approval" in layouts
    ingested = run(pollwatch, "ingest", "--data-dir", "data", cwd=elsewhere, env=env).stdout
    assert "7 read, 7 new" in ingested
    report = run(pollwatch, "report", "--data-dir", "data", cwd=elsewhere, env=env).stdout
    assert report.startswith("report: reports/index.html")
    assert "Volodymyr Zelensky" in (elsewhere / "reports" / "index.html").read_text()
