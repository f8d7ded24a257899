#include <stddef.h>
#include "nosuch.h"

int f(void)
{
	return 0;
}

// expect-error: 2:10: 'nosuch\.h' file not found
