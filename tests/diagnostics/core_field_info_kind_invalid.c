struct task {
	int pid;
} __attribute__((preserve_access_index));

unsigned int pid_info(struct task *t)
{
	return __builtin_preserve_field_info(t->pid, 9);
}

// clang passes the kind on, and LLVM ends the compiler on it.
// expect-error: 7:47: __builtin_preserve_field_info argument 2 must be one of BPF_FIELD_BYTE_OFFSET, .* \(0 to 5\)
