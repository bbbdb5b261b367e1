/* The passphrase's age (seed 001 §4.8: change every 90 days, a reminder
 * from 5 days before). The back-off is guard_backoff.c, drafts
 * guard_draft.c. */
#include "profile/guard.h"

#define DAY 86400

nx_pass_age nx_passphrase_age(const nx_profile_info *info, int64_t now, int *days_left)
{
    /* Seconds until the 90 days are up; a key file without the date (0)
     * counts as set in 1970: expired, the change is asked for at once. */
    int64_t left = info->passphrase_set + (int64_t)NX_PASS_MAX_DAYS * DAY - now;
    if (days_left) {
        int64_t d = left / DAY - (left % DAY < 0);   /* rounded down */
        *days_left = d < -1000000 ? -1000000 : d > 1000000 ? 1000000 : (int)d;
    }
    if (left <= 0)
        return NX_PASS_EXPIRED;
    if (left <= (int64_t)NX_PASS_REMIND_DAYS * DAY)
        return NX_PASS_REMIND;
    return NX_PASS_OK;
}
