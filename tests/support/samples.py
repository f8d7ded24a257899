"""Build a sample with either compiler, the same way, so a test can run both objects alike.

    obj = build("bpfcc", SAMPLES / "xdp_lb" / "xdp_lb.c", tmp_path, {"LB_IPV4": "IPV4(10, 201, 0, 2)"})

The sample tests parametrize over COMPILERS: bpfcc through its Python API, clang-19 with the
reference command line plus the same -D flags.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import pytest

import bpfcc

from .clang import clang_compile

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
# pytest params: the clang-19 one carries the clang marker, so it skips or fails like any
# other clang test when clang-19 is missing.
COMPILERS = (pytest.param("bpfcc"), pytest.param("clang-19", marks=pytest.mark.clang))


def build(compiler: str, source: str | os.PathLike, out_dir: str | os.PathLike,
          defines: Mapping[str, object] | None = None) -> Path:
    """Compile `source` into out_dir/<stem>.<compiler>.o; AssertionError with the diagnostics."""
    source = Path(source)
    out = Path(out_dir) / f"{source.stem}.{compiler}.o"
    defines = dict(defines or {})
    if compiler == "bpfcc":
        result = bpfcc.compile_file(source, out=out, defines=defines)
        assert result.ok, "\n".join(f"{d.file}:{d.line}:{d.column}: {d.message}" for d in result.diagnostics)
    elif compiler == "clang-19":
        flags = [f"-D{name}" if value is None else f"-D{name}={value}" for name, value in defines.items()]
        clang_compile(source, out, flags)
    else:
        raise ValueError(f"compiler must be bpfcc or clang-19, not {compiler!r}")
    return out
