/* nexus.conf through libinih. The line reader counts lines and checks
 * section headers itself, because inih reports neither the line of a bad
 * value to the handler nor sections that have no keys. */
#include "conf/conf.h"
#include "util/util.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { K_INT, K_STR } kind;

typedef struct {
    const char *section, *name;
    kind type;
    size_t off;      /* offset in nx_conf */
    size_t size;     /* for strings */
    int min, max;    /* for ints */
    int path;        /* expand a leading ~/ */
} key_def;

#define S(f) offsetof(nx_conf, f), sizeof(((nx_conf *)0)->f)
#define I(f) offsetof(nx_conf, f), 0
static const key_def keys[] = {
    { "cache", "dir", K_STR, S(cache_dir), 0, 0, 1 },
    { "cache", "keep_closed_days", K_INT, I(keep_closed_days), 1, 365, 0 },
    { "lock", "idle_lock_seconds", K_INT, I(idle_lock_seconds), 30, 300, 0 },
    { "ui", "keymap", K_STR, S(keymap), 0, 0, 0 },
    { "ui", "theme", K_STR, S(theme), 0, 0, 0 },
    { "sync", "host", K_STR, S(sync_host), 0, 0, 0 },
    { "sync", "port", K_INT, I(sync_port), 1, 65535, 0 },
    { "sync", "user", K_STR, S(sync_user), 0, 0, 0 },
    { "sync", "identity", K_STR, S(sync_identity), 0, 0, 1 },
    { "sync", "known_hosts", K_STR, S(sync_known_hosts), 0, 0, 1 },
    { "sync", "interval_seconds", K_INT, I(sync_interval_seconds), 5, 3600, 0 },
    { "sync", "offline_grace_hours", K_INT, I(offline_grace_hours), 1, 72, 0 },
};
#undef S
#undef I
#define N_KEYS (sizeof keys / sizeof keys[0])

static const char *home_dir(void)
{
    const char *h = getenv("HOME");
    return (h && *h) ? h : "/";
}

static void xdg_dir(char *out, size_t len, const char *var, const char *fallback, const char *leaf)
{
    const char *x = getenv(var);
    if (x && x[0] == '/')
        snprintf(out, len, "%s/%s", x, leaf);
    else
        snprintf(out, len, "%s/%s/%s", home_dir(), fallback, leaf);
}

void nx_conf_defaults(nx_conf *c)
{
    memset(c, 0, sizeof *c);
    xdg_dir(c->cache_dir, sizeof c->cache_dir, "XDG_DATA_HOME", ".local/share", "nexus");
    c->keep_closed_days = 14;
    c->idle_lock_seconds = 300;
    snprintf(c->keymap, sizeof c->keymap, "default");
    snprintf(c->theme, sizeof c->theme, "default");
    c->sync_port = 22;
    xdg_dir(c->sync_known_hosts, sizeof c->sync_known_hosts, "XDG_CONFIG_HOME", ".config",
            "nexus/known_hosts");
    c->sync_interval_seconds = 60;
    c->offline_grace_hours = 24;
}

typedef struct {
    nx_conf *conf;
    const char *path;
    FILE *f;
    int line;
    int failed;
    unsigned seen[N_KEYS];
    char *err;
    size_t errlen;
} parse_ctx;

static void fail(parse_ctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(parse_ctx *p, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = 1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    nx_err(p->err, p->errlen, "%s:%d: %s", p->path, p->line, msg);
}

static int known_section(const char *s, size_t n)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strlen(keys[i].section) == n && strncmp(keys[i].section, s, n) == 0)
            return 1;
    return 0;
}

/* fgets-like reader handed to ini_parse_stream: counts lines and checks
 * [section] headers (inih never reports an empty unknown section). */
static char *reader(char *buf, int num, void *stream)
{
    parse_ctx *p = stream;
    if (!fgets(buf, num, p->f))
        return NULL;
    p->line++;
    size_t n = strlen(buf);
    if (n == (size_t)num - 1 && buf[n - 1] != '\n' && !feof(p->f))
        fail(p, "line too long");
    const char *s = buf;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (!close)
            fail(p, "section header without ']'");
        else if (!known_section(s + 1, (size_t)(close - s - 1))) {
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(close - s - 1), s + 1);
            fail(p, "unknown section [%s]", name);
        }
    }
    return buf;
}

static int set_value(parse_ctx *p, const key_def *k, const char *value)
{
    char *dst = (char *)p->conf + k->off;
    if (k->type == K_INT) {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end) {
            fail(p, "%s: not a whole number: '%s'", k->name, value);
            return 0;
        }
        if (v < k->min || v > k->max) {
            fail(p, "%s: %ld is out of range (%d-%d)", k->name, v, k->min, k->max);
            return 0;
        }
        *(int *)dst = (int)v;
        return 1;
    }
    if (value[0] == '\0') {
        fail(p, "%s: empty value", k->name);
        return 0;
    }
    int r;
    if (k->path && value[0] == '~' && value[1] == '/')
        r = snprintf(dst, k->size, "%s/%s", home_dir(), value + 2);
    else
        r = snprintf(dst, k->size, "%s", value);
    if (r < 0 || (size_t)r >= k->size) {
        fail(p, "%s: value too long", k->name);
        return 0;
    }
    return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    parse_ctx *p = user;
    if (p->failed)
        return 1;
    if (section[0] == '\0') {
        fail(p, "'%s' outside any [section]", name);
        return 0;
    }
    for (size_t i = 0; i < N_KEYS; i++) {
        if (strcmp(keys[i].section, section) || strcmp(keys[i].name, name))
            continue;
        if (p->seen[i]++) {
            fail(p, "duplicate key '%s' in [%s]", name, section);
            return 0;
        }
        return set_value(p, &keys[i], value);
    }
    if (known_section(section, strlen(section)))
        fail(p, "unknown key '%s' in [%s]", name, section);
    return 0;
}

int nx_conf_parse_file(const char *path, nx_conf *c, char *err, size_t errlen)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return nx_err(err, errlen, "%s: %s", path, strerror(errno));
    nx_conf parsed = *c;
    parse_ctx p = { .conf = &parsed, .path = path, .f = f, .err = err, .errlen = errlen };
    int rc = ini_parse_stream(reader, &p, handler, &p);
    fclose(f);
    if (!p.failed && rc != 0) {
        p.line = rc;
        fail(&p, "syntax error (expected 'key = value' or '[section]')");
    }
    if (p.failed)
        return -1;
    snprintf(parsed.source, sizeof parsed.source, "%s", path);
    *c = parsed;
    return 0;
}

int nx_conf_load(const char *explicit_path, nx_conf *c, char *err, size_t errlen)
{
    nx_conf_defaults(c);
    const char *env = getenv("NEXUS_CONFIG");
    if (explicit_path && *explicit_path)
        return nx_conf_parse_file(explicit_path, c, err, errlen);
    if (env && *env)
        return nx_conf_parse_file(env, c, err, errlen);
    char path[NX_PATH_MAX];
    xdg_dir(path, sizeof path, "XDG_CONFIG_HOME", ".config", "nexus/nexus.conf");
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? 0 : nx_err(err, errlen, "%s: %s", path, strerror(errno));
    fclose(f);
    return nx_conf_parse_file(path, c, err, errlen);
}
