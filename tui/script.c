/* tui/script — keys and commands from a file, for tests and benchmarks. */
#include "tui/script.h"
#include "tui/term.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

struct tui_script {
    FILE *f;
    char path[512];
    int line;
    tui_key keys[512];        /* keys of the current :key / :type line */
    int nkeys, next;
};

int tui_script_open(tui_script **out, const char *path, char *err, size_t errlen)
{
    tui_script *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->f = fopen(path, "r");
    if (!s->f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(s);
        return -1;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    *out = s;
    return 0;
}

void tui_script_close(tui_script *s)
{
    if (!s)
        return;
    fclose(s->f);
    free(s);
}

int tui_save_display(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int rows, cols;
    getmaxyx(curscr, rows, cols);
    if (rows <= 0 || cols <= 0 || cols > 4096) {
        fclose(f);
        return -1;
    }
    wchar_t *wbuf = calloc((size_t)cols + 1, sizeof *wbuf);
    char *line = calloc((size_t)cols * MB_LEN_MAX + 1, 1);
    for (int y = 0; wbuf && line && y < rows; y++) {
        /* winnwstr skips the second cell of a double-width character, so
         * the text comes back as it was written. */
        int n = mvwinnwstr(curscr, y, 0, wbuf, cols);
        if (n < 0)
            n = 0;
        wbuf[n] = L'\0';
        size_t o = 0;
        mbstate_t st;
        memset(&st, 0, sizeof st);
        for (int i = 0; i < n; i++) {
            size_t k = wcrtomb(line + o, wbuf[i], &st);
            if (k != (size_t)-1)
                o += k;
        }
        while (o > 0 && line[o - 1] == ' ')
            o--;
        line[o] = '\0';
        fprintf(f, "%s\n", line);
    }
    free(wbuf);
    free(line);
    return fclose(f) == 0 ? 0 : -1;
}

static void add_key(tui_script *s, tui_key k)
{
    if (s->nkeys < (int)(sizeof s->keys / sizeof s->keys[0]))
        s->keys[s->nkeys++] = k;
}

__attribute__((noreturn)) static void bad(tui_script *s, const char *what, const char *arg)
{
    tui_die("%s:%d: %s%s%s", s->path, s->line, what, arg ? " " : "", arg ? arg : "");
}

/* Runs one line; 1 when it produced keys or asks for a turn (*tick). */
static int run_line(tui_script *s, tui_app *a, char *l, int *tick)
{
    size_t n = strlen(l);
    while (n && (l[n - 1] == '\n' || l[n - 1] == '\r'))
        l[--n] = '\0';
    char *p = l;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p || *p == '#')
        return 0;
    char *arg = strchr(p, ' ');
    if (arg)
        *arg++ = '\0';
    if (strcmp(p, ":key") == 0) {
        for (char *save = NULL, *tok = strtok_r(arg, " \t", &save); tok;
             tok = strtok_r(NULL, " \t", &save)) {
            tui_key k;
            if (tui_key_parse(tok, &k) != 0)
                bad(s, "unknown key", tok);
            add_key(s, k);
        }
        return s->nkeys > 0;
    }
    if (strcmp(p, ":type") == 0) {
        mbstate_t st;
        memset(&st, 0, sizeof st);
        const char *t = arg ? arg : "";
        size_t left = strlen(t);
        while (left) {
            wchar_t wc;
            size_t k = mbrtowc(&wc, t, left, &st);
            if (k == (size_t)-1 || k == (size_t)-2 || k == 0)
                bad(s, "not UTF-8 text", NULL);
            add_key(s, (tui_key)wc);
            t += k;
            left -= k;
        }
        return s->nkeys > 0;
    }
    if (strcmp(p, ":save-display") == 0) {
        if (!arg || tui_save_display(arg) != 0)
            bad(s, "cannot write the display to", arg ? arg : "(no file)");
        return 0;
    }
    if (strcmp(p, ":dump-keymap") == 0) {
        char text[16384];
        FILE *f = arg ? fopen(arg, "w") : NULL;
        int ok = f && tui_keymap_dump(&a->km, text, sizeof text) == 0 && fputs(text, f) >= 0;
        if (f && fclose(f) != 0)
            ok = 0;
        if (!ok)
            bad(s, "cannot write the keymap to", arg ? arg : "(no file)");
        return 0;
    }
    if (strcmp(p, ":mark") == 0) {
        /* For the benchmark: a label and the resident memory now. */
        long rss = -1;
        FILE *st = fopen("/proc/self/status", "r");
        char l2[256];
        while (st && fgets(l2, sizeof l2, st))
            if (strncmp(l2, "VmRSS:", 6) == 0)
                rss = strtol(l2 + 6, NULL, 10);
        if (st)
            fclose(st);
        if (a->times)
            fprintf(a->times, "# %s rss_kib=%ld\n", arg ? arg : "", rss);
        return 0;
    }
    if (strcmp(p, ":sleep") == 0) {
        char *end;
        long sec = arg ? strtol(arg, &end, 10) : -1;
        if (!arg || *end || sec < 0 || sec > 86400 * 365)
            bad(s, "expected :sleep SECONDS", NULL);
        a->clock.mono_ms += (int64_t)sec * 1000;
        *tick = 1;
        return 1;
    }
    if (strcmp(p, ":wait-idle") == 0) {
        *tick = 1;
        return 1;
    }
    if (strcmp(p, ":resize") == 0) {
        int c = 0, r = 0;
        if (!arg || sscanf(arg, "%d %d", &c, &r) != 2 || c < 1 || r < 1 || c > 1000 || r > 1000)
            bad(s, "expected :resize COLS ROWS", NULL);
        resizeterm(r, c);
        add_key(s, TUI_KEY_FN + KEY_RESIZE);
        return 1;
    }
    if (strcmp(p, ":hangup") == 0) {
        tui_sig_hup = 1;
        *tick = 1;
        return 1;
    }
    if (strcmp(p, ":quit") == 0) {
        fseek(s->f, 0, SEEK_END);
        return 0;
    }
    bad(s, "unknown script command", p);
}

tui_key tui_script_next(tui_script *s, tui_app *a)
{
    while (s->next >= s->nkeys) {
        s->next = s->nkeys = 0;
        char line[4096];
        if (!fgets(line, sizeof line, s->f))
            return TUI_KEY_END;
        s->line++;
        int tick = 0;
        if (run_line(s, a, line, &tick) && tick)
            return TUI_KEY_TICK;
    }
    return s->keys[s->next++];
}
