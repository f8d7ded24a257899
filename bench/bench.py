"""Compile time of bpfcc against clang-19, and the instructions each emits, per C program.

usage: bench.py [-n RUNS] [FILE.c ...]   (default: every samples/**/*.c, and two
                                          libbpf-style programs on a generated vmlinux.h)

For each program, the median of RUNS runs of:
  cold     the `bpfcc` command as a subprocess with its cache off (BPFCC_CACHE=off)
  clang    the reference `clang-19 -O2 -g -target bpf` command
  hit      the `bpfcc` command again with a warm disk cache: the same inputs compiled before
  new -D   in-process `bpfcc.compile_file` with a warm `bpfcc.Cache` but a -D never seen
           before each time, so the output is compiled anew while the headers' preprocessing
           and parsing are reused (what a build script compiling one source per endpoint pays)
  warm     in-process, the same inputs again with a warm `bpfcc.Cache` (a hit)
Ratios are bpfcc/clang.  Instructions are 8-byte slots in executable sections (ld_imm64
counts twice).
"""
from __future__ import annotations

import argparse
import io
import itertools
import os
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
from bpfcc.api import options_for  # noqa: E402
from bpfcc.diagnostics import render  # noqa: E402

CLANG = "clang-19"
# clang needs the multiarch directory for <asm/types.h>; bpfcc finds it by itself.
CLANG_CMD = [CLANG, "-O2", "-g", "-target", "bpf", f"-I/usr/include/{platform.machine()}-linux-gnu", "-c"]
BPFCC_CMD = [sys.executable, "-m", "bpfcc", "-O2", "-g", "-c"]
# Programs that include a bpftool-generated vmlinux.h (100k+ lines), as libbpf-bootstrap builds them.
VMLINUX_PROGRAMS = ("tests/compat/libbpf_bootstrap/minimal.c", "tests/compat/libbpf_bootstrap/bootstrap.c")
VMLINUX_FLAGS = ["-D__TARGET_ARCH_x86"]
COLUMNS = ("cold", "clang", "hit", "new -D", "warm")
WIDTH = 54  # the program column


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=5, help="runs per measurement (default 5)")
    ap.add_argument("files", nargs="*", type=Path, help="C programs (default: samples/**/*.c)")
    args = ap.parse_args()
    programs = [(f.resolve(), []) for f in args.files] or [(f, []) for f in sorted(REPO.glob("samples/**/*.c"))]
    if not programs:
        print("no programs: samples/ has no C files yet; name some on the command line", file=sys.stderr)
        return 1
    have_clang = shutil.which(CLANG) is not None
    if not have_clang:
        print(f"{CLANG} not found: bpfcc numbers only", file=sys.stderr)

    print(f"median of {args.runs} runs, milliseconds; ratios are bpfcc/clang; "
          "bpfcc defaults to -mcpu=v3, clang-19 to v1")
    head = f"{'program':<{WIDTH}} " + " ".join(f"{c:>7} {'':>6}" if c != "clang" else f"{c:>7}" for c in COLUMNS)
    head += f" {'insns':>6} {'clang':>6}"
    print(head)
    print("-" * len(head))
    ratios: dict[str, list[float]] = {c: [] for c in COLUMNS if c != "clang"}
    with tempfile.TemporaryDirectory(prefix="bpfcc-bench-") as tmp:
        tmp = Path(tmp)
        if not args.files:
            vmlinux = _vmlinux_dir(tmp)
            if vmlinux is None:
                print("bpftool not found: no vmlinux.h rows", file=sys.stderr)
            else:
                programs += [(REPO / p, [*VMLINUX_FLAGS, f"-I{vmlinux}"]) for p in VMLINUX_PROGRAMS]
        for path, flags in programs:
            name = _display(path) + (" (vmlinux.h)" if flags else "")
            row = _measure(path, flags, tmp, args.runs, have_clang)
            if isinstance(row, str):
                print(f"{name:<{WIDTH}} {row}")
                continue
            times, insns, clang_insns = row
            cells = []
            for column in COLUMNS:
                cells.append(f"{times[column]:7.1f}" if times[column] is not None else f"{'-':>7}")
                if column != "clang":
                    cells.append(_ratio(times[column], times["clang"]))
                    if times["clang"]:
                        ratios[column].append(times[column] / times["clang"])
            print(f"{name:<{WIDTH}} {' '.join(cells)} {insns:6d} {_num(clang_insns, '6d')}")
    if ratios["cold"]:
        cells = [f"{'':7} {statistics.geometric_mean(ratios[c]):5.2f}x" if c != "clang" else f"{'':7}"
                 for c in COLUMNS]
        print(f"{'geometric mean':<{WIDTH}} {' '.join(cells)}")
    return 0


def _vmlinux_dir(tmp: Path) -> Path | None:
    bpftool = shutil.which("bpftool")
    if bpftool is None or not os.path.exists("/sys/kernel/btf/vmlinux"):
        return None
    header = subprocess.run([bpftool, "btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "c"],
                            capture_output=True, check=True).stdout
    (tmp / "vmlinux").mkdir()
    (tmp / "vmlinux" / "vmlinux.h").write_bytes(header)
    return tmp / "vmlinux"


def _measure(path: Path, flags: list[str], tmp: Path, runs: int, have_clang: bool):
    """({column: ms}, bpfcc insns, clang insns), or a one-line error for the row."""
    options = options_for(
        defines={f[2:].partition("=")[0]: f[2:].partition("=")[2] or None for f in flags if f.startswith("-D")},
        include_dirs=[f[2:] for f in flags if f.startswith("-I")])
    result = bpfcc.compile_file(path, options=options)
    if not result.ok:
        first = next((d for d in result.diagnostics if d.severity == "error"), None)
        return "bpfcc: " + (render(first).splitlines()[0] if first else "no output")
    try:
        insns = _instructions(result.output)
    except ELFError as exc:
        return f"bpfcc: output is not an ELF object: {exc}"
    times: dict[str, float | None] = {}
    cache = bpfcc.Cache()
    bpfcc.compile_file(path, options=options, cache=cache)
    fresh = itertools.count()
    times["new -D"] = _median_ms(runs, lambda: bpfcc.compile_file(
        path, options=options, cache=cache, defines=[*options.defines, (f"BPFCC_BENCH_{next(fresh)}", "1")]))
    times["warm"] = _median_ms(runs, lambda: bpfcc.compile_file(path, options=options, cache=cache))
    command = [*BPFCC_CMD, *flags, str(path), "-o", str(tmp / "bpfcc.o")]
    cache_dir = tmp / f"cache-{path.stem}"
    try:
        times["cold"] = _median_ms(runs, lambda: _run("bpfcc", command, BPFCC_CACHE="off"))
        _run("bpfcc", command, BPFCC_CACHE_DIR=str(cache_dir))
        times["hit"] = _median_ms(runs, lambda: _run("bpfcc", command, BPFCC_CACHE_DIR=str(cache_dir)))
        times["clang"] = clang_insns = None
        if have_clang:
            times["clang"] = _median_ms(
                runs, lambda: _run("clang", [*CLANG_CMD, *flags, str(path), "-o", str(tmp / "clang.o")]))
            clang_insns = _instructions((tmp / "clang.o").read_bytes())
    except RowFailed as exc:
        return str(exc)
    return times, insns, clang_insns


class RowFailed(Exception):
    """A compiler failed on this program: its first line of stderr goes in the program's row."""


def _run(label: str, cmd: list[str], **env: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env={**os.environ, **env})
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
    return f"{ms / clang_ms:5.2f}x" if clang_ms else "      -"


if __name__ == "__main__":
    sys.exit(main())
