"""bpfcc: a C compiler for Linux BPF tc/XDP programs, in Python on LLVM (llvmlite).

    import bpfcc
    result = bpfcc.compile_file("prog.c", out="prog.o", defines={"DEBUG": 1})
    for d in result.diagnostics: ...

The compiler itself loads on first use of `compile`/`compile_file`/`Result`,
so `import bpfcc` (and `bpfcc --help`) stays cheap.
"""
__version__ = "0.1.0"

__all__ = ["compile", "compile_file", "Cache", "Options", "Result", "Diagnostic", "__version__"]

_LAZY = {
    "compile": ("api", "compile"),
    "compile_file": ("api", "compile_file"),
    "Result": ("driver", "Result"),
    "Cache": ("cache", "Cache"),
    "Options": ("options", "Options"),
    "Diagnostic": ("diagnostics", "Diagnostic"),
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'bpfcc' has no attribute {name!r}")
    from importlib import import_module

    module, attr = _LAZY[name]
    return getattr(import_module(f".{module}", __name__), attr)


def __dir__():
    return sorted(__all__)
