#define VERSION 2

#if VERSION > 1
#error "VERSION 2 is not supported yet"
#endif

int f(void)
{
	return 0;
}

// expect-error: 4:2: VERSION 2 is not supported yet
