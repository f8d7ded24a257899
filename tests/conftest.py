"""Shared pytest setup: which tests may touch the kernel, and fixtures that clean up after them.

BPFCC_KERNEL_TESTS decides what happens to tests that need something this machine may lack:
  unset/"auto"  run them when possible, skip with the reason otherwise;
  "require"     a missing kernel feature or tool (root, bpf(), ip, tc, clang-19, bpftool) FAILS;
  "off"         skip every kernel/netns test (clang-only tests still run).

Markers (also added automatically to tests that use the fixture of the same name):
  kernel  loads programs into the running kernel (root, working bpf())
  netns   creates network namespaces and attaches programs with ip/tc (implies kernel)
  clang   compiles with clang-19, the reference compiler

Fixtures:
  kernel         loader: `kernel.load(elf_bytes_or_path, **bpfcc.loader.load kwargs)`; closed at teardown
  netns          a fresh support.netns.VethPair (two namespaces, veth0 <-> veth1), removed at teardown
  clang          path of clang-19
  clang_compile  `clang_compile(src_path, out_path=None, extra_flags=()) -> Path` of the object
  bpftool        path of bpftool
"""
from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# `support` is imported as a top-level package whatever pytest's import mode.
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from support import bpf  # noqa: E402
from support import netns as netns_support  # noqa: E402  (the `netns` fixture takes the name)
from support.clang import CLANG, clang_compile as _clang_compile, find_clang  # noqa: E402

ENV_VAR = "BPFCC_KERNEL_TESTS"
MODES = ("auto", "require", "off")
MARKERS = {
    "kernel": "loads BPF programs into the running kernel (needs root and bpf())",
    "netns": "creates network namespaces and attaches programs with ip/tc (needs root, ip, tc)",
    "clang": f"compiles with {CLANG}, the reference compiler",
}


class Requirements:
    """What this machine offers, probed once per session on first need."""

    def __init__(self, mode: str):
        self.mode = mode

    @functools.cached_property
    def kernel(self) -> str | None:
        return bpf.kernel_support()

    @functools.cached_property
    def netns(self) -> str | None:
        if os.geteuid() != 0:
            return "not root (network namespaces need CAP_SYS_ADMIN)"
        missing = netns_support.missing_tools()
        return f"missing tools: {', '.join(missing)} (apt-get install iproute2)" if missing else self.kernel

    @functools.cached_property
    def clang(self) -> str | None:
        return None if find_clang() else f"{CLANG} not on PATH (apt-get install clang-19)"

    @functools.cached_property
    def bpftool(self) -> str | None:
        return None if shutil.which("bpftool") else "bpftool not on PATH (apt-get install bpftool)"

    def require(self, what: str) -> None:
        """Skip, fail or pass according to the mode and whether `what` is available."""
        if self.mode == "off" and what in ("kernel", "netns"):
            pytest.skip(f"{what} tests disabled by {ENV_VAR}=off")
        reason = getattr(self, what)
        if reason is None:
            return
        if self.mode == "require":
            pytest.fail(f"{ENV_VAR}=require but {what} is unavailable: {reason}", pytrace=False)
        pytest.skip(f"{what} unavailable: {reason}")


_REQUIREMENTS = pytest.StashKey[Requirements]()
_CACHE_DIR = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    for name, doc in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {doc}")
    mode = (os.environ.get(ENV_VAR) or "auto").strip().lower()
    if mode not in MODES:
        raise pytest.UsageError(f"{ENV_VAR}={mode!r}: expected one of {', '.join(MODES)}")
    config.stash[_REQUIREMENTS] = Requirements(mode)
    # The CLI's compile cache: one per session, so every CLI run in the tests goes through it
    # and nothing is left in the user's ~/.cache.
    config.stash[_CACHE_DIR] = tempfile.mkdtemp(prefix="bpfcc-test-cache-")
    os.environ["BPFCC_CACHE_DIR"] = config.stash[_CACHE_DIR]


def pytest_unconfigure(config: pytest.Config) -> None:
    if _CACHE_DIR in config.stash:
        shutil.rmtree(config.stash[_CACHE_DIR], ignore_errors=True)


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m deselection sees the items
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A test that uses a fixture gets its marker, so `-m "not kernel"` deselects it too.
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if "netns" in names or item.get_closest_marker("netns"):
            item.add_marker(pytest.mark.netns)
            item.add_marker(pytest.mark.kernel)
        if "kernel" in names:
            item.add_marker(pytest.mark.kernel)
        if names & {"clang", "clang_compile"}:
            item.add_marker(pytest.mark.clang)


def pytest_runtest_setup(item: pytest.Item) -> None:
    reqs = item.config.stash[_REQUIREMENTS]
    for what in ("kernel", "netns", "clang"):
        if item.get_closest_marker(what):
            reqs.require(what)


def pytest_report_header(config: pytest.Config) -> str:
    return f"{ENV_VAR}={config.stash[_REQUIREMENTS].mode}"


def _requirements(request: pytest.FixtureRequest) -> Requirements:
    return request.config.stash[_REQUIREMENTS]


class KernelLoader:
    """Loads objects with bpfcc.loader and closes every one of them at teardown."""

    def __init__(self) -> None:
        self._objects: list[bpf.BpfObject] = []

    def load(self, data_or_path, **kwargs) -> bpf.BpfObject:
        obj = bpf.load(data_or_path, **kwargs)
        self._objects.append(obj)
        return obj

    def close(self) -> None:
        while self._objects:
            self._objects.pop().close()


@pytest.fixture
def kernel(request: pytest.FixtureRequest):
    _requirements(request).require("kernel")
    loader = KernelLoader()
    try:
        yield loader
    finally:
        loader.close()


@pytest.fixture(scope="session")
def _stale_netns_swept(request: pytest.FixtureRequest) -> list[str]:
    """Remove namespaces left behind by crashed earlier runs (once per session)."""
    return netns_support.sweep_stale_namespaces()


@pytest.fixture
def netns(request: pytest.FixtureRequest):
    reqs = _requirements(request)
    reqs.require("kernel")
    reqs.require("netns")
    request.getfixturevalue("_stale_netns_swept")
    with netns_support.veth_pair() as pair:
        yield pair



@pytest.fixture(scope="session")
def clang(request: pytest.FixtureRequest) -> str:
    _requirements(request).require("clang")
    return find_clang()


@pytest.fixture(scope="session")
def clang_compile(clang: str):
    def compile_(src_path, out_path=None, extra_flags=()) -> Path:
        return _clang_compile(src_path, out_path, extra_flags, clang=clang)
    return compile_


@pytest.fixture(scope="session")
def bpftool(request: pytest.FixtureRequest) -> str:
    _requirements(request).require("bpftool")
    return shutil.which("bpftool")
