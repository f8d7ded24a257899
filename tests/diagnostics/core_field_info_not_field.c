int counter;

unsigned int counter_exists(void)
{
	return __builtin_preserve_field_info(counter, 2);
}

// expect-error: 5:39: __builtin_preserve_field_info argument 1 not a field access
