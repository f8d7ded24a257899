/* <stdbool.h> shipped with bpfcc (C17: bool is a macro for _Bool). */
#ifndef __BPFCC_STDBOOL_H
#define __BPFCC_STDBOOL_H

#define bool _Bool
#define true 1
#define false 0
#define __bool_true_false_are_defined 1

#endif
