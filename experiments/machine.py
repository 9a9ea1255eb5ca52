"""The machine line printed with every benchmark result: CPU model, cores, Python and OS."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe_machine() -> str:
    """Return e.g. ``AMD EPYC, 2 cores, Python 3.11.7, Linux 6.1.0`` (the CPU from /proc/cpuinfo when readable)."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"
