/* Variables of every type in layout_types.h, so that clang-19's .BTF of this file describes
 * them all: the BTF file layout.c is compiled against on the BTF route. */
#include "layout_types.h"

struct nested nested;
widget_t widget;
struct message message;
enum tiny tiny;
