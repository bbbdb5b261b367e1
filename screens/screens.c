/* screens — the table the app opens screens from, and small shared
 * formatting. */
#include "screens/screens.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

const tui_screens nx_screens = {
    .unlock = &nx_scr_unlock,
    .lock = &nx_scr_lock,
    .passwd = &nx_scr_passwd,
    .dashboard = &nx_scr_dashboard,
    .queue = &nx_scr_queue,
    .help = &nx_scr_help,
    .sync = &nx_scr_sync,
    .conflicts = &nx_scr_conflicts,
};

void nx_scr_format_due(int64_t due, char *buf, size_t len)
{
    if (!due) {
        snprintf(buf, len, "-");
        return;
    }
    time_t t = (time_t)due;
    struct tm tm;
    if (!localtime_r(&t, &tm) || !strftime(buf, len, "%b %d %H:%M", &tm))
        snprintf(buf, len, "?");
}

void nx_scr_backoff_line(tui_app *a, const char *why, char *out, size_t len)
{
    int64_t left = tui_backoff_left(a);
    if (left > 0)
        snprintf(out, len, "%s%sNext attempt in %lld s.", why, why[0] ? " " : "",
                 (long long)left);
    else
        snprintf(out, len, "%s", why);
}

int nx_scr_pass_open(tui_screen *s, tui_app *a, const void *arg, char *err, size_t errlen)
{
    (void)a;
    (void)arg;
    nx_scr_pass_st *st = calloc(1, sizeof *st);
    if (!st || tui_passbox_open(&st->pb, 1) != 0) {
        free(st);
        snprintf(err, errlen, "out of secure memory");
        return -1;
    }
    s->st = st;
    return 0;
}

void nx_scr_pass_close(tui_screen *s, tui_app *a)
{
    (void)a;
    nx_scr_pass_st *st = s->st;
    if (!st)
        return;
    tui_passbox_close(&st->pb);
    free(st);
    s->st = NULL;
}
