static void nothing(void)
{
}

int f(void)
{
	__auto_type v = nothing();

	return 0;
}

// __auto_type takes the initialiser's type; a void expression gives no object type.
// expect-error: 7:14: variable has incomplete type 'void'
