/* Copyright (C) compat-suite authors.  Katran-style balancer constants. */
#ifndef __BALANCER_CONSTS_H
#define __BALANCER_CONSTS_H

/* Protocol numbers in host order, katran-style (no <netinet/in.h> in BPF code). */
#define IPPROTO_IPIP_NR		4
#define IPPROTO_IPV6_NR		41

#define BE_ETH_P_IP		8	/* htons(ETH_P_IP) on little endian */
#define BE_ETH_P_IPV6		56710	/* htons(ETH_P_IPV6) on little endian */

#define F_LRU_BYPASS		(1 << 1)
#define F_HASH_NO_SRC_PORT	(1 << 0)

/* Consistent-hashing ring of every VIP, one after the other. */
#ifndef RING_SIZE
#define RING_SIZE		65537
#endif

#ifndef MAX_VIPS
#define MAX_VIPS		512
#endif

#ifndef MAX_REALS
#define MAX_REALS		4096
#endif

#define CH_RINGS_SIZE		(MAX_VIPS * RING_SIZE)

#ifndef DEFAULT_LRU_SIZE
#define DEFAULT_LRU_SIZE	1000
#endif

#define STATS_MAP_SIZE		(MAX_VIPS * 2)
#define MAX_PCKT_SIZE		1514
#define IPV4_HDR_LEN_NO_OPT	20
#define DEFAULT_TTL		64

#define FURTHER_PROCESSING	-1

/* Counters past the per-VIP ones in the stats map. */
#define LRU_CNTRS		0
#define LRU_MISS_CNTR		1
#define NEW_CONN_RATE_CNTR	2

#define IPV4_PLUS_ICMP_HDR	28

/* Source address of the encapsulated packets. */
#ifndef IPIP_V4_PREFIX
#define IPIP_V4_PREFIX		4268   /* 172.16/12 in network order, low half */
#endif

#define PCKT_FRAGMENTED		65343

#define __inline__ __attribute__((always_inline))

#endif /* __BALANCER_CONSTS_H */
