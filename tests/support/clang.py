"""clang-19 as the reference compiler for differential tests (tests only: bpfcc never calls it)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Sequence

CLANG = "clang-19"
# The reference command line from /work/shared/README.md; the multiarch dir is for <asm/types.h>.
CLANG_FLAGS = ("-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu")


class ClangError(RuntimeError):
    def __init__(self, argv: list[str], stderr: str):
        self.argv, self.stderr = argv, stderr
        super().__init__(f"`{' '.join(argv)}` failed:\n{stderr}")


def find_clang() -> str | None:
    return shutil.which(CLANG)


def clang_compile(src_path: str | os.PathLike, out_path: str | os.PathLike | None = None,
                  extra_flags: Sequence[str] = (), *, clang: str | None = None) -> Path:
    """`clang-19 -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu [extra] -c SRC -o OUT`.

    OUT defaults to SRC with suffix .o; extra flags come after the defaults, so they win
    (e.g. "-mcpu=v3", "-O1").  Raises ClangError with clang's diagnostics.
    """
    src = Path(src_path)
    out = src.with_suffix(".o") if out_path is None else Path(out_path)
    exe = clang or find_clang()
    if exe is None:
        raise FileNotFoundError(f"{CLANG} not found on PATH")
    argv = [exe, *CLANG_FLAGS, *extra_flags, "-c", str(src), "-o", str(out)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise ClangError(argv, proc.stderr)
    return out
