/* Offline grace (seed 000 §6.7): a cache that has not reached the hub for
 * offline_grace_hours still unlocks but offers only sync, so access ends
 * within that time of a separation even on a laptop that never comes back
 * online. Setting the clock back must not extend it, so elapsed time is
 * measured twice and the larger wins:
 *   - from the last sync's wall time to max(now, the highest wall clock this
 *     cache has seen: each unlock and each round raise it), and
 *   - within the same boot (same /proc/sys/kernel/random/boot_id), by
 *     CLOCK_BOOTTIME, which no one sets, since the sync.
 * A profile that never synced counts from its creation; a training profile
 * with no hub configured never expires (it has nothing to reach). */
#include "sync/client_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

void nx_grace_read_now(nx_grace_now *n, int64_t wall)
{
    memset(n, 0, sizeof *n);
    n->wall = wall;
    FILE *f = fopen(BOOT_ID_PATH, "r");
    if (f) {
        if (fgets(n->boot_id, sizeof n->boot_id, f))
            n->boot_id[strcspn(n->boot_id, "\r\n")] = '\0';
        else
            n->boot_id[0] = '\0';
        fclose(f);
    }
    struct timespec ts;
    if (clock_gettime(CLOCK_BOOTTIME, &ts) == 0)
        n->boot_secs = (int64_t)ts.tv_sec;
    else
        n->boot_id[0] = '\0';   /* no monotonic measure: do not compare boots */
}

int64_t nx_grace_elapsed(const nx_sync_state *st, int64_t since, const nx_grace_now *n)
{
    int64_t start = st->last_sync_wall ? st->last_sync_wall : since;
    int64_t seen = n->wall > st->high_water ? n->wall : st->high_water;
    int64_t e = seen - start;
    if (st->last_sync_wall && st->boot_id[0] && n->boot_id[0] &&
        strcmp(st->boot_id, n->boot_id) == 0) {
        int64_t mono = n->boot_secs - st->boot_secs;
        if (mono > e)
            e = mono;
    }
    return e < 0 ? 0 : e;
}

int nx_grace_hours(const nx_sync_state *st, const nx_conf *c)
{
    int h = st->grace_hours > 0 ? st->grace_hours : c->offline_grace_hours;
    if (h <= 0)
        h = 24;
    if (st->emergency && h < 72)
        h = 72;
    return h;
}

int nx_sync_grace_expired(nx_profile *p, const nx_conf *c, int64_t now)
{
    if (!p || !p->store || !p->vault)
        return 1;
    nx_sync_state st;
    int64_t hw;
    /* Every check raises the high-water mark: the unlock that asks is a
     * time this laptop has seen. */
    if (nx_sync_high_water(p->store, now, &hw) != 0 || nx_sync_state_load(p->store, &st) != 0)
        return 1;   /* cannot tell: fail closed (sync still works) */
    const nx_profile_info *info = nx_vault_info(p->vault);
    if (!st.last_sync_wall && info->training && !c->sync_host[0])
        return 0;
    nx_grace_now n;
    nx_grace_read_now(&n, now);
    int64_t elapsed = nx_grace_elapsed(&st, info->created, &n);
    return elapsed > (int64_t)nx_grace_hours(&st, c) * 3600;
}
