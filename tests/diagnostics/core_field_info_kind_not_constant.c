struct task {
	int pid;
} __attribute__((preserve_access_index));

unsigned int pid_info(struct task *t, int kind)
{
	return __builtin_preserve_field_info(t->pid, kind);
}

// expect-error: 7:47: __builtin_preserve_field_info argument 2 not a constant
