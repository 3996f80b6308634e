"""The report's folder: only one pollwatch wrote (or an empty or missing one) is replaced, and a
new report, written beside it, is swapped in whole, so a reader never sees half of one.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from pollwatch.config import ConfigError

MARKER = ".pollwatch-report"


def check_writable(out_dir: Path) -> None:
    """Only a folder pollwatch wrote (or an empty or missing one) is replaced."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"--out {out_dir} is a file: the report is written to a folder")
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise ConfigError(
            f"{out_dir} holds files pollwatch did not write; choose another "
            "--out folder (the report replaces its folder whole)"
        )


def swap_in(staging: Path, out_dir: Path) -> None:
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{time.time_ns()}")
        out_dir.rename(old)
    staging.rename(out_dir)
    out_dir.chmod(0o755)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
