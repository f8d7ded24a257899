#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = function)
int f(void)
{
	return 0;
}
#pragma clang attribute pop

// preserve_access_index marks structs and unions only.
// expect-error: 1:15: attribute 'preserve_access_index' can't be applied to 'function'
// allow-other-errors
