int f(int x)
{
	return __builtin_types_compatible_p(int, 5);
}

// Both operands of __builtin_types_compatible_p are type names.
// expect-error: 3:43: expected a type
