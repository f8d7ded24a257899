"""Instructions of bpfcc's objects next to clang-19's, for every program of tests/c/lang_*.c.

usage: insns.py [--mcpu CPU] [-v] [FILE.c ...]       (default: every tests/c/lang_*.c)

Both compilers get the same -mcpu: the one a file's `// clang-flags:` line names (lang_division.c
needs v4 for clang's signed division), else --mcpu (default v3, bpfcc's default; clang-19's own
default is v1).  A count is the 8-byte slots of a function's code (ld_imm64 counts twice), for
every function: the programs and the BPF-to-BPF subprograms in .text.  The summary gives the
totals and the worst cases: the largest ratio and the largest excess of bpfcc over clang.
"""
from __future__ import annotations

import argparse
import io
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # measure the checkout, installed or not

from elftools.elf.elffile import ELFFile  # noqa: E402
from elftools.elf.sections import SymbolTableSection  # noqa: E402

import bpfcc  # noqa: E402

CLANG = "clang-19"
CLANG_CMD = [CLANG, "-O2", "-g", "-target", "bpf", f"-I/usr/include/{platform.machine()}-linux-gnu", "-c"]
CLANG_FLAGS = re.compile(r"^//\s*clang-flags:(.*)$", re.M)
MCPU = re.compile(r"^-mcpu=(\w+)$")


def function_sizes(elf_bytes: bytes) -> dict[str, int]:
    """Instruction slots of every function defined in the object, by name."""
    elf = ELFFile(io.BytesIO(elf_bytes))
    symtab = elf.get_section_by_name(".symtab")
    assert isinstance(symtab, SymbolTableSection)
    return {sym.name: sym["st_size"] // 8 for sym in symtab.iter_symbols()
            if sym["st_info"]["type"] == "STT_FUNC" and isinstance(sym["st_shndx"], int)}


def file_mcpu(text: str, default: str) -> str:
    flags = [flag for line in CLANG_FLAGS.findall(text) for flag in line.split()]
    return next((m.group(1) for m in map(MCPU.match, flags) if m), default)


def compile_both(path: Path, mcpu: str, tmp: Path) -> tuple[dict[str, int] | None, dict[str, int] | None, str]:
    """(bpfcc's sizes, clang's sizes, why one is missing)."""
    problems = []
    result = bpfcc.compile_file(str(path), mcpu=mcpu)
    ours = function_sizes(result.output) if result.output is not None else None
    if ours is None:
        problems.append("bpfcc: " + "; ".join(d.message for d in result.errors)[:200])
    out = tmp / f"{path.stem}.o"
    proc = subprocess.run([*CLANG_CMD, f"-mcpu={mcpu}", str(path), "-o", str(out)], capture_output=True, text=True)
    theirs = function_sizes(out.read_bytes()) if proc.returncode == 0 else None
    if theirs is None:
        problems.append("clang: " + (proc.stderr.strip().splitlines() or ["failed"])[0][:200])
    return ours, theirs, "; ".join(problems)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mcpu", default="v3", help="CPU for files that name none (default v3)")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per function, not only per file")
    ap.add_argument("files", nargs="*", type=Path, help="C programs (default: tests/c/lang_*.c)")
    args = ap.parse_args()
    if shutil.which(CLANG) is None:
        print(f"{CLANG} not found: nothing to compare with", file=sys.stderr)
        return 1
    files = [f.resolve() for f in args.files] or sorted((REPO / "tests" / "c").glob("lang_*.c"))

    rows: list[tuple[str, int, int]] = []  # (file::function, bpfcc, clang)
    head = f"{'program':<58} {'cpu':>3} {'bpfcc':>6} {'clang':>6} {'diff':>6} {'ratio':>6}"
    print(head)
    print("-" * len(head))
    with tempfile.TemporaryDirectory(prefix="bpfcc-insns-") as tmp:
        for path in files:
            mcpu = file_mcpu(path.read_text(), args.mcpu)
            ours, theirs, problem = compile_both(path, mcpu, Path(tmp))
            if ours is None or theirs is None:
                print(f"{path.stem:<58} {mcpu:>3}  skipped: {problem}")
                continue
            names = sorted(set(ours) | set(theirs))
            file_rows = [(f"{path.stem}::{name}", ours.get(name, 0), theirs.get(name, 0)) for name in names]
            rows += file_rows
            shown = file_rows if args.verbose else [(path.stem, sum(r[1] for r in file_rows), sum(r[2] for r in file_rows))]
            for name, a, b in shown:
                print(f"{name:<58} {mcpu:>3} {a:>6} {b:>6} {a - b:>+6} {_ratio(a, b):>6}")
    if not rows:
        return 1
    total_ours, total_theirs = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print("-" * len(head))
    print(f"{'total (' + str(len(rows)) + ' functions)':<58} {'':>3} {total_ours:>6} {total_theirs:>6} "
          f"{total_ours - total_theirs:>+6} {_ratio(total_ours, total_theirs):>6}")
    both = [r for r in rows if r[1] and r[2]]
    if both:
        worst_ratio = max(both, key=lambda r: r[1] / r[2])
        worst_excess = max(rows, key=lambda r: r[1] - r[2])
        best = min(both, key=lambda r: r[1] / r[2])
        for label, (name, a, b) in (("worst ratio", worst_ratio), ("worst excess", worst_excess), ("best ratio", best)):
            print(f"{label + ': ' + name:<58} {'':>3} {a:>6} {b:>6} {a - b:>+6} {_ratio(a, b):>6}")
    return 0


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "-"


if __name__ == "__main__":
    sys.exit(main())
