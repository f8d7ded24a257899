"""Compile time of bpfcc against clang-19, and the instructions each emits, per C program.

usage: bench.py [-n RUNS] [FILE.c ...]        (default: every samples/**/*.c)

For each program, the median of RUNS runs of: the `bpfcc` command as a
subprocess, the reference `clang-19 -O2 -g -target bpf` command, and an
in-process `bpfcc.compile_file` after one warm-up call (imports and LLVM
already loaded: what a build script that compiles many programs pays).
Instructions are 8-byte slots in executable sections (ld_imm64 counts twice).
"""
from __future__ import annotations

import argparse
import io
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # bench the checkout, installed or not

from elftools.common.exceptions import ELFError  # noqa: E402
from elftools.elf.constants import SH_FLAGS  # noqa: E402
from elftools.elf.elffile import ELFFile  # noqa: E402

import bpfcc  # noqa: E402
from bpfcc.diagnostics import render  # noqa: E402

CLANG = "clang-19"
# clang needs the multiarch directory for <asm/types.h>; bpfcc finds it by itself.
CLANG_CMD = [CLANG, "-O2", "-g", "-target", "bpf", f"-I/usr/include/{platform.machine()}-linux-gnu", "-c"]
BPFCC_CMD = [sys.executable, "-m", "bpfcc", "-O2", "-g", "-c"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=5, help="runs per measurement (default 5)")
    ap.add_argument("files", nargs="*", type=Path, help="C programs (default: samples/**/*.c)")
    args = ap.parse_args()
    files = [f.resolve() for f in args.files] or sorted(REPO.glob("samples/**/*.c"))
    if not files:
        print("no programs: samples/ has no C files yet; name some on the command line", file=sys.stderr)
        return 1
    have_clang = shutil.which(CLANG) is not None
    if not have_clang:
        print(f"{CLANG} not found: bpfcc numbers only", file=sys.stderr)

    print(f"median of {args.runs} runs; ratios are bpfcc/clang; bpfcc defaults to -mcpu=v3, clang-19 to v1")
    head = f"{'program':<36} {'bpfcc ms':>9} {'clang ms':>9} {'ratio':>6} {'warm ms':>8} {'ratio':>6} {'insns':>6} {'clang':>6}"
    print(head)
    print("-" * len(head))
    cli_ratios, warm_ratios = [], []
    with tempfile.TemporaryDirectory(prefix="bpfcc-bench-") as tmp:
        for path in files:
            name = _display(path)
            row = _measure(path, Path(tmp), args.runs, have_clang)
            if isinstance(row, str):
                print(f"{name:<36} {row}")
                continue
            cli_ms, clang_ms, warm_ms, insns, clang_insns = row
            if clang_ms:
                cli_ratios.append(cli_ms / clang_ms)
                warm_ratios.append(warm_ms / clang_ms)
            print(f"{name:<36} {cli_ms:9.1f} {_num(clang_ms, '9.1f')} {_ratio(cli_ms, clang_ms)} "
                  f"{warm_ms:8.1f} {_ratio(warm_ms, clang_ms)} {insns:6d} {_num(clang_insns, '6d')}")
    if cli_ratios:
        print(f"{'geometric mean':<36} {'':9} {'':9} {statistics.geometric_mean(cli_ratios):5.1f}x "
              f"{'':8} {statistics.geometric_mean(warm_ratios):5.1f}x")
    return 0


def _measure(path: Path, tmp: Path, runs: int, have_clang: bool):
    """(cli ms, clang ms, warm ms, bpfcc insns, clang insns), or a one-line error for the row."""
    result = bpfcc.compile_file(path)  # also the warm-up call
    if not result.ok:
        first = next((d for d in result.diagnostics if d.severity == "error"), None)
        return "bpfcc: " + (render(first).splitlines()[0] if first else "no output")
    try:
        insns = _instructions(result.output)
    except ELFError as exc:
        return f"bpfcc: output is not an ELF object: {exc}"
    warm_ms = _median_ms(runs, lambda: bpfcc.compile_file(path))
    try:
        cli_ms = _median_ms(runs, lambda: _run("bpfcc", [*BPFCC_CMD, str(path), "-o", str(tmp / "bpfcc.o")]))
        clang_ms = clang_insns = None
        if have_clang:
            clang_ms = _median_ms(runs, lambda: _run("clang", [*CLANG_CMD, str(path), "-o", str(tmp / "clang.o")]))
            clang_insns = _instructions((tmp / "clang.o").read_bytes())
    except RowFailed as exc:
        return str(exc)
    return cli_ms, clang_ms, warm_ms, insns, clang_insns


class RowFailed(Exception):
    """A compiler failed on this program: its first line of stderr goes in the program's row."""


def _run(label: str, cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if proc.returncode:
        lines = proc.stderr.strip().splitlines()
        raise RowFailed(f"{label}: {lines[0] if lines else f'exit status {proc.returncode}'}")


def _median_ms(runs: int, action) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _instructions(elf: bytes) -> int:
    sections = ELFFile(io.BytesIO(elf)).iter_sections()
    return sum(s["sh_size"] // 8 for s in sections if s["sh_flags"] & SH_FLAGS.SHF_EXECINSTR)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return path.name


def _num(value, fmt: str) -> str:
    """`value` formatted, or a dash of the same width when clang was not run."""
    return format(value, fmt) if value is not None else "-".rjust(int(fmt.rstrip("df").split(".")[0]))


def _ratio(ms: float, clang_ms: float | None) -> str:
    return f"{ms / clang_ms:5.1f}x" if clang_ms else "     -"


if __name__ == "__main__":
    sys.exit(main())
