#ifndef RETROGAN_PREFETCH_H
#define RETROGAN_PREFETCH_H
/* A hint to fetch a table entry that a pixel PREFETCH pixels on will read (the 64 MB colour tables miss every
 * cache): it changes no result. */
#define PREFETCH 32
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH_READ(p) __builtin_prefetch((p), 0, 0)
#else
#define PREFETCH_READ(p) ((void)0)
#endif

#endif
