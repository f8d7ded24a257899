unsigned long void_type_id(void)
{
	return __builtin_btf_type_id(*(void *)0, 0);
}

// void has no BTF type: clang passes the call on and LLVM's BPF backend ends the compiler.
// expect-error: 3:31: __builtin_btf_type_id argument 1 invalid
