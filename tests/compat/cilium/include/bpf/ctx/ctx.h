/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Pick the context a datapath object is built for: -DIS_BPF_XDP for XDP, tc otherwise. */
#pragma once

#if defined(IS_BPF_XDP)
# include "xdp.h"
#else
# include "skb.h"
#endif
