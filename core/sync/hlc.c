/* core/sync/hlc — the hybrid logical clock of hlc.h (Kulkarni et al.,
 * "Logical Physical Clocks", 2014). Each device keeps its last HLC; a local
 * event ticks it, a time seen from elsewhere pulls it forward. It never
 * goes back, whatever the wall clock does, so ops a device writes after
 * seeing another's sort after it even when the two clocks disagree.
 *
 * Layout: milliseconds << 16 | counter. When the counter would pass 0xffff
 * the millisecond part moves forward by one instead (the clock runs a
 * little ahead of the wall until the wall catches up). At the very top of
 * the range (year 10889, or a hostile remote value) it saturates rather
 * than wrap to 0. */
#include "sync/hlc.h"

#include <time.h>

#define HLC_MS_MAX ((int64_t)(UINT64_MAX >> 16))
#define HLC_C(h) ((uint32_t)((h) & 0xffffu))

static int64_t clamp_ms(int64_t ms)
{
    if (ms < 0)
        return 0;
    return ms > HLC_MS_MAX ? HLC_MS_MAX : ms;
}

/* ms and a counter that may have reached 0x10000. */
static nx_hlc make(int64_t ms, uint32_t c)
{
    if (c > 0xffffu) {
        if (ms >= HLC_MS_MAX)
            return UINT64_MAX;          /* saturated */
        ms++;
        c = 0;
    }
    return NX_HLC_MAKE(ms, c);
}

nx_hlc nx_hlc_tick(nx_hlc *last, int64_t wall_ms)
{
    int64_t lm = NX_HLC_MS(*last), pt = clamp_ms(wall_ms);
    nx_hlc h = pt > lm ? NX_HLC_MAKE(pt, 0) : make(lm, HLC_C(*last) + 1);
    *last = h;
    return h;
}

nx_hlc nx_hlc_recv(nx_hlc *last, nx_hlc remote, int64_t wall_ms)
{
    int64_t lm = NX_HLC_MS(*last), rm = NX_HLC_MS(remote), pt = clamp_ms(wall_ms);
    uint32_t lc = HLC_C(*last), rc = HLC_C(remote);
    int64_t m = lm > rm ? lm : rm;
    if (pt > m)
        m = pt;
    nx_hlc h;
    if (m == lm && m == rm)
        h = make(m, (lc > rc ? lc : rc) + 1);
    else if (m == lm)
        h = make(m, lc + 1);
    else if (m == rm)
        h = make(m, rc + 1);
    else
        h = NX_HLC_MAKE(m, 0);
    *last = h;
    return h;
}

int64_t nx_hlc_wall_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
