int f(int x)
{
	return __builtin_types_compatible_p(int, x);
}

// Both operands of __builtin_types_compatible_p are type names (x is a variable).
// expect-error: 3:43: unknown type name 'x'
