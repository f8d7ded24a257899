#if 1
int f(void) { return 0; }
#else
int f(void) { return 1; }
#else
int f(void) { return 2; }
#endif

// expect-error: 5:2: #else after #else
