enum state {
	RUNNING = 0,
	STOPPED = 4,
};

long stopped_value(void)
{
	return __builtin_preserve_enum_value(*(enum state *)2, 1);
}

// expect-error: 8:39: __builtin_preserve_enum_value argument 1 invalid
