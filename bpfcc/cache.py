"""Compiled outputs kept for the next compile of the same inputs, never served stale.

A compile's output depends on its source text, file name, working directory,
options and output kind (the *key*), on the compiler itself (its `fingerprint`),
and on every file-system fact the preprocessor looked at: which headers exist
where on the include path, their contents, which candidates were absent, the
kernel BTF `<vmlinux.h>` read.  `Inputs` records those facts as the
preprocessor asks them; an entry is served only after every recorded fact has
been asked again and answered the same, so a header edited, a header added
earlier on the include path, or a different -D (part of the key) all miss.

`Cache()` keeps entries in memory, for a build script compiling many programs;
`Cache(directory)` keeps them on disk, which is what the CLI does
(`BPFCC_CACHE_DIR`, else `$XDG_CACHE_HOME/bpfcc`; `BPFCC_CACHE=off` disables).
Only successful compiles are kept, with their warnings and the source lines
the warnings point at, so a hit reports exactly what the compile reported.

A miss still reuses work: a source's leading directives (its #includes) are
preprocessed and parsed once per cache (`preprocess.Prefix`, in memory only),
for every later compile that begins with the same lines, whatever its other
-D macros, as long as the macros the prefix looked up have the same values and
its own file-system facts still hold.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import sys
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.util import find_spec

from .diagnostics import Diagnostic
from .options import Options

# Builtin macros whose value changes from one compile to the next: a unit using one is not kept.
_VOLATILE_MACROS = ("__DATE__", "__TIME__", "__TIMESTAMP__")
# Entries kept per key: one per set of header contents seen (e.g. two checkouts' headers).
_ENTRIES_PER_KEY = 4
_MEMORY_KEYS = 256
# Preprocessed and parsed headers are big (megabytes with vmlinux.h): a few source beginnings.
_PREFIX_KEYS = 16
# The packages whose code decides what bpfcc outputs.
_PACKAGES = ("bpfcc", "pycparser", "pcpp", "llvmlite")


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=20).digest()


def _key(*parts: object) -> str:
    return _digest(pickle.dumps(parts, protocol=5)).hex()


def _contents(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return _digest(f.read())
    except OSError:
        return None


# How each recorded question is asked again.
_QUESTIONS = {"isfile": os.path.isfile, "isdir": os.path.isdir, "realpath": os.path.realpath, "contents": _contents}


def _remember(table: OrderedDict, key: str, entries: list, limit: int) -> None:
    """Keep `entries` under `key` as the most recent of at most `limit` keys."""
    table[key] = entries
    table.move_to_end(key)
    while len(table) > limit:
        table.popitem(last=False)


@dataclass
class Inputs:
    """The file-system facts one compile depended on, as (question, path, answer) in asking order."""

    facts: list[tuple[str, str, object]] = field(default_factory=list)
    cacheable: bool = True

    def _ask(self, question: str, path: str):
        answer = _QUESTIONS[question](path)
        self.facts.append((question, path, answer))
        return answer

    def isfile(self, path: str) -> bool:
        return self._ask("isfile", path)

    def isdir(self, path: str) -> bool:
        return self._ask("isdir", path)

    def realpath(self, path: str) -> str:
        return self._ask("realpath", path)

    def read_bytes(self, path: str) -> bytes:
        """A file's contents; OSError propagates, and a failed compile is not kept anyway."""
        with open(path, "rb") as f:
            data = f.read()
        self.facts.append(("contents", path, _digest(data)))
        return data

    def read_text(self, path: str) -> str:
        return self.read_bytes(path).decode("utf-8", errors="surrogateescape")

    def scan(self, text: str) -> None:
        """Every source text preprocessed comes here: one naming __DATE__ or __TIME__ is not kept."""
        if any(name in text for name in _VOLATILE_MACROS):
            self.cacheable = False

    def still_hold(self) -> bool:
        return all(_QUESTIONS[question](path) == answer for question, path, answer in self.facts)


@dataclass
class Entry:
    inputs: Inputs
    output: bytes
    diagnostics: list[Diagnostic]
    sources: dict[str, list[str]]  # the lines of the files the diagnostics point into


class Cache:
    def __init__(self, directory: str | os.PathLike | None = None) -> None:
        self.directory = None if directory is None else os.fspath(directory)
        self._memory: OrderedDict[str, list[Entry]] = OrderedDict()
        self._prefixes: OrderedDict[str, list] = OrderedDict()
        self._fingerprint: bytes | None = None
        self.hits = self.misses = 0
        self.prefix_hits = self.prefix_misses = 0

    @classmethod
    def for_cli(cls) -> Cache | None:
        """The CLI's cache on disk, or None if the environment turns it off."""
        if os.environ.get("BPFCC_CACHE", "").lower() in ("0", "off", "no", "false"):
            return None
        directory = os.environ.get("BPFCC_CACHE_DIR")
        if not directory:
            base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
            directory = os.path.join(base, "bpfcc")
        return cls(directory)

    def key(self, source: str, filename: str, options: Options, output: str) -> str:
        return _key(self.fingerprint(), os.getcwd(), filename, output, repr(options), source)

    # ---- the headers a source begins with (preprocess.Prefix), in memory only ------------------

    def prefix_key(self, head: str, filename: str, options: Options) -> str:
        """The -D macros are left out: a prefix fits other values of those it never looked at."""
        return _key(self.fingerprint(), os.getcwd(), filename, repr(dataclasses.replace(options, defines=[])), head)

    def find_prefix(self, key: str, fits: Callable[[object], bool]):
        for prefix in self._prefixes.get(key, []):
            if fits(prefix):
                self.prefix_hits += 1
                self._prefixes.move_to_end(key)
                return prefix
        self.prefix_misses += 1
        return None

    def store_prefix(self, key: str, prefix) -> None:
        if not prefix.inputs.cacheable:
            return
        _remember(self._prefixes, key, [prefix, *self._prefixes.get(key, [])][:_ENTRIES_PER_KEY], _PREFIX_KEYS)

    def fingerprint(self) -> bytes:
        """Which compiler this is: Python's version and every file of the packages that decide the
        output (size and modification time), so editing bpfcc or upgrading LLVM misses."""
        if self._fingerprint is None:
            stats = [sys.version]
            for package in _PACKAGES:
                spec = find_spec(package)
                root = os.path.dirname(spec.origin) if spec and spec.origin else None
                for directory, _, files in os.walk(root) if root else ():
                    for name in sorted(files):
                        if name.endswith((".py", ".so", ".h")):
                            st = os.stat(os.path.join(directory, name))
                            stats.append((directory, name, st.st_size, st.st_mtime_ns))
            self._fingerprint = _digest(pickle.dumps(stats, protocol=5))
        return self._fingerprint

    def lookup(self, key: str) -> Entry | None:
        for entry in self._entries(key):
            if entry.inputs.still_hold():
                self.hits += 1
                return entry
        self.misses += 1
        return None

    def store(self, key: str, entry: Entry) -> None:
        if not entry.inputs.cacheable:
            return
        kept = [e for e in self._entries(key) if e.inputs.facts != entry.inputs.facts]
        entries = [entry, *kept][:_ENTRIES_PER_KEY]
        if self.directory is None:
            _remember(self._memory, key, entries, _MEMORY_KEYS)
            return
        path = self._path(key)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.tmp{os.getpid()}"
            with open(tmp, "wb") as f:
                pickle.dump(entries, f, protocol=5)
            os.replace(tmp, path)  # concurrent compiles (make -j) each write whole files
        except OSError:
            pass  # a cache that cannot be written only costs the next compile its time

    def _entries(self, key: str) -> list[Entry]:
        if self.directory is None:
            return self._memory.get(key, [])
        try:
            with open(self._path(key), "rb") as f:
                return pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            return []  # absent, or written by another bpfcc: a miss

    def _path(self, key: str) -> str:
        return os.path.join(self.directory, key[:2], key)
