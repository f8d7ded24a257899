struct task {
	int pid;
};

const void *pid_address(struct task *t)
{
	return __builtin_preserve_access_index(&t->pid);
}

// CO-RE relocations name members through BTF, which is made from debug info.
// flags: -g0
// expect-error: 7:9: using builtin_preserve_access_index\(\) without -g
