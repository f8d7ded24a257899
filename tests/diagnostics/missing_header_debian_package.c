#include <linux/types.h>
#include <sys/bpfcc_no_such_header.h>

int f(void)
{
	return 0;
}

// expect-error: 2:10: 'sys/bpfcc_no_such_header\.h' file not found
// expect-hint: 2:10: Debian package libc6-dev
