struct task {
	int pid;
};

unsigned int task_exists(void)
{
	return __builtin_preserve_type_info(*(struct task *)0, 0);
}

// flags: -g0
// expect-error: 7:9: using builtin function without -g
