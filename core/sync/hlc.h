/* core/sync/hlc — hybrid logical clock (Kulkarni et al., 2014): a 64-bit
 * time that follows the wall clock in milliseconds but never goes back and
 * orders every event a device has seen after everything it had seen before,
 * whatever the devices' clocks say. Layout: wall milliseconds << 16 | a
 * 16-bit counter. Last writer wins by (hlc, op id). */
#ifndef NX_SYNC_HLC_H
#define NX_SYNC_HLC_H
#include <stdint.h>

typedef uint64_t nx_hlc;

#define NX_HLC_MS(h) ((int64_t)((h) >> 16))
#define NX_HLC_MAKE(ms, c) (((uint64_t)(ms) << 16) | ((uint64_t)(c) & 0xffffu))

/* A local event (an op written to the outbox): *last moves forward and is
 * returned. wall_ms is the wall clock in milliseconds. */
nx_hlc nx_hlc_tick(nx_hlc *last, int64_t wall_ms);
/* A remote time seen (the hub's END, an op pulled): *last moves past both. */
nx_hlc nx_hlc_recv(nx_hlc *last, nx_hlc remote, int64_t wall_ms);
int64_t nx_hlc_wall_ms(void);

#endif
