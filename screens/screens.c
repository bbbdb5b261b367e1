/* screens — the table the app opens screens from, and small shared
 * formatting. */
#include "screens/screens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    .kpi = &nx_scr_kpi,
    .audit = &nx_scr_audit,
    .incident = &nx_scr_incident,
    .incidents = &nx_scr_incidents,
    .requests = &nx_scr_patreqs,
    .qa = &nx_scr_qa,
    .capa = &nx_scr_capa,
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

void nx_scr_wrap(tui_app *a, WINDOW *w, int y, int x, int width, int lines, tui_elem e,
                 const char *text)
{
    const char *p = text;
    for (int l = 0; l < lines && *p && width > 0; l++) {
        if (l == lines - 1 || tui_text_width(p) <= width) {
            tui_put(a, w, y + l, x, width, e, p);
            return;
        }
        /* the last blank whose line still fits */
        size_t cut = 0;
        for (size_t i = 0; p[i]; i++)
            if (p[i] == ' ' && tui_text_width_n(p, i) <= width)
                cut = i;
        if (cut == 0) {
            tui_put(a, w, y + l, x, width, e, p);   /* one long word: cut */
            return;
        }
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)cut, p);
        tui_put(a, w, y + l, x, width, e, line);
        tui_wipe(line, sizeof line);
        p += cut;
        while (*p == ' ')
            p++;
    }
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
