static const int limit = 3;

int f(void)
{
	return __sync_fetch_and_add(&limit, 1);
}

// expect-error: 5:9: address argument to atomic builtin cannot be const-qualified
