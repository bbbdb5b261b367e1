/* hub/main — the nexus-hub binary: subcommand dispatch, option parsing,
 * usage. Every command takes --store DIR and --key-file FILE (default
 * DIR.key beside DIR). Exit codes: 0 done, 1 failed, 2 usage error.
 * `serve` is the sshd forced command: it hands stdin/stdout to
 * nx_hub_serve (hub/serve.c). Nothing PHI is ever printed here except by
 * `export --plaintext` to the file the administrator named. */
#include "hub/hub.h"
#include "hub/qa.h"
#include "domain/roles.h"
#include "util/util.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef NX_VERSION
#define NX_VERSION "dev"
#endif

#define EXIT_USAGE 2

static const char usage_text[] =
    "usage: nexus-hub COMMAND [options]   (every command: --store DIR [--key-file FILE])\n"
    "\n"
    "  init --store DIR [--training]            create a store and its key file (DIR.key)\n"
    "  client add --id ID --name NAME --tz ZONE [--holidays 2026-12-25,...]\n"
    "             [--escalation TEXT] [--verify-lead-hours N]\n"
    "  user add --user NAME --role ROLE --team TEAM --key FILE.pub\n"
    "                                           prints the authorized_keys line\n"
    "  user revoke (--user NAME | --device ID)\n"
    "  user list\n"
    "  import FILE                              JSON Lines work items (hub/IMPORT.md)\n"
    "  export --to FILE (--recipient KEY | --plaintext)\n"
    "  export-key --public FILE --secret FILE   make a key pair for sealed exports\n"
    "  export-open --in FILE --secret FILE --out FILE\n"
    "  seed --synthetic N [--team T] [--assignee U] [--kind K]\n"
    "  banner set TEXT | banner clear | banner show\n"
    "  emergency on|off\n"
    "  audit verify\n"
    "  audit query [--user U] [--item I] [--action A] [--device D] [--since T] [--reasons]\n"
    "  qa sample --rule R --period P [--reviewer U]   re-derive a QA sample (ids, sorted)\n"
    "  qa draw --rule R --period P   put a period's QA sample as records now (recovery)\n"
    "  serve --user NAME                        the sync protocol on stdin/stdout (sshd)\n"
    "  --help, --version\n";

/* ---- options ------------------------------------------------------------------- */

#define MAX_OPTS 16
#define MAX_POS 4

typedef struct {
    const char *name;     /* "--store" */
    int takes_value;
} opt_def;

typedef struct {
    const char *cmd;      /* for messages: "user add" */
    const char *value[MAX_OPTS];
    int set[MAX_OPTS];
    const char *pos[MAX_POS];
    int npos;
} opts;

static int usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "nexus-hub %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(run 'nexus-hub --help')\n");
    return EXIT_USAGE;
}

/* Options common to every command come first in defs: --store,
 * --key-file. Returns 0 or EXIT_USAGE (message printed). */
static int parse(int argc, char **argv, const char *cmd, const opt_def *defs, int ndefs,
                 int maxpos, opts *o)
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || strcmp(a, "--") == 0) {
            if (strcmp(a, "--") == 0 && i + 1 < argc)
                a = argv[++i];
            if (o->npos == maxpos)
                return usage_error(cmd, "unexpected argument '%s'", a);
            o->pos[o->npos++] = a;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        int k;
        for (k = 0; k < ndefs; k++)
            if (strlen(defs[k].name) == nl && strncmp(defs[k].name, a, nl) == 0)
                break;
        if (k == ndefs)
            return usage_error(cmd, "unknown option '%s'", a);
        if (o->set[k])
            return usage_error(cmd, "option %s given twice", defs[k].name);
        o->set[k] = 1;
        if (defs[k].takes_value) {
            if (eq)
                o->value[k] = eq + 1;
            else if (i + 1 < argc)
                o->value[k] = argv[++i];
            else
                return usage_error(cmd, "option %s needs a value", defs[k].name);
        } else if (eq)
            return usage_error(cmd, "option %s takes no value", defs[k].name);
    }
    return 0;
}

static int need(const opts *o, const opt_def *defs, int k)
{
    if (!o->set[k])
        return usage_error(o->cmd, "%s is required", defs[k].name);
    return 0;
}

enum { O_STORE, O_KEY, O_FIRST };   /* every table starts with these two */
#define COMMON_OPTS { "--store", 1 }, { "--key-file", 1 }

static int fail(const char *cmd, const char *err)
{
    fprintf(stderr, "nexus-hub %s: %s\n", cmd, err);
    return 1;
}

static int open_hub(const opts *o, const opt_def *defs, nx_hub **h)
{
    int u = need(o, defs, O_STORE);
    if (u)
        return u;
    char err[NX_HUB_ERR_MAX];
    if (nx_hub_open(o->value[O_STORE], o->value[O_KEY], h, err, sizeof err) != 0)
        return fail(o->cmd, err);
    return 0;
}

/* ---- commands ------------------------------------------------------------------ */

static int cmd_init(int argc, char **argv)
{
    static const opt_def d[] = { COMMON_OPTS, { "--training", 0 } };
    opts o;
    int u = parse(argc, argv, "init", d, 3, 0, &o);
    if (u || (u = need(&o, d, O_STORE)))
        return u;
    char err[NX_HUB_ERR_MAX], kp[NX_HUB_PATH_MAX];
    if (nx_hub_init(o.value[O_STORE], o.value[O_KEY], o.set[2], err, sizeof err) != 0)
        return fail("init", err);
    nx_hub_key_path(o.value[O_STORE], o.value[O_KEY], kp, sizeof kp);
    printf("hub store created in %s%s\nkey file: %s (keep it out of backups of the store)\n",
           o.value[O_STORE], o.set[2] ? " (training)" : "", kp);
    return 0;
}

static int cmd_client(int argc, char **argv)
{
    static const opt_def d[] = { COMMON_OPTS, { "--id", 1 }, { "--name", 1 }, { "--tz", 1 },
                                 { "--holidays", 1 }, { "--escalation", 1 },
                                 { "--verify-lead-hours", 1 } };
    if (argc < 1 || strcmp(argv[0], "add") != 0)
        return usage_error("client", "%s", "expected 'client add'");
    opts o;
    int u = parse(argc - 1, argv + 1, "client add", d, 8, 0, &o);
    for (int k = 2; !u && k <= 4; k++)
        u = need(&o, d, k);
    if (u)
        return u;
    nx_hub_client_spec c = { .id = o.value[2], .name = o.value[3], .tz = o.value[4],
                             .holidays = o.value[5], .escalation = o.value[6] };
    if (o.set[7]) {
        char *end = NULL;
        long n = strtol(o.value[7], &end, 10);
        if (!*o.value[7] || *end || n < 1 || n > 1440)
            return usage_error("client add", "%s", "--verify-lead-hours: 1 to 1440");
        c.verify_lead_hours = (int)n;
    }
    nx_hub *h;
    if ((u = open_hub(&o, d, &h)))
        return u;
    char err[NX_HUB_ERR_MAX];
    int rc = nx_hub_client_add(h, &c, err, sizeof err);
    nx_hub_close(h);
    if (rc)
        return fail("client add", err);
    printf("client %s added\n", c.id);
    return 0;
}

static int self_exe(char *out, size_t outlen)
{
    ssize_t n = readlink("/proc/self/exe", out, outlen - 1);
    if (n <= 0 || (size_t)n >= outlen - 1)
        return -1;
    out[n] = '\0';
    return 0;
}

static int user_add(int argc, char **argv)
{
    static const opt_def d[] = { COMMON_OPTS, { "--user", 1 }, { "--role", 1 },
                                 { "--team", 1 }, { "--key", 1 } };
    opts o;
    int u = parse(argc, argv, "user add", d, 6, 0, &o);
    for (int k = 2; !u && k <= 5; k++)
        u = need(&o, d, k);
    if (u)
        return u;
    if (nx_role_parse(o.value[3]) < 0) {
        fprintf(stderr, "nexus-hub user add: --role must be one of: %s\n", nx_role_list());
        return EXIT_USAGE;
    }
    char err[NX_HUB_ERR_MAX], exe[PATH_MAX], line[2 * NX_HUB_PATH_MAX + 2048];
    char *key = NULL;
    size_t klen = 0;
    if (nx_read_file(o.value[5], 8192, &key, &klen, err, sizeof err) != 0)
        return fail("user add", err);
    if (strlen(key) != klen) {
        free(key);
        return fail("user add", "the public key file holds a NUL byte");
    }
    if (self_exe(exe, sizeof exe) != 0) {
        free(key);
        return fail("user add", "cannot find the path of this nexus-hub (/proc/self/exe)");
    }
    nx_hub *h;
    if ((u = open_hub(&o, d, &h))) {
        free(key);
        return u;
    }
    int rc = nx_hub_user_add(h, o.value[2], o.value[3], o.value[4], key, err, sizeof err);
    free(key);
    if (rc == 0)
        rc = nx_hub_authorized_line(h, exe, o.value[2], o.set[O_KEY], line, sizeof line,
                                    err, sizeof err);
    nx_hub_close(h);
    if (rc)
        return fail("user add", err);
    printf("%s\n", line);
    return 0;
}

static int user_revoke(int argc, char **argv)
{
    static const opt_def d[] = { COMMON_OPTS, { "--user", 1 }, { "--device", 1 } };
    opts o;
    int u = parse(argc, argv, "user revoke", d, 4, 0, &o);
    if (u)
        return u;
    if (o.set[2] == o.set[3])
        return usage_error("user revoke", "%s", "give exactly one of --user NAME, --device ID");
    nx_hub *h;
    if ((u = open_hub(&o, d, &h)))
        return u;
    char err[NX_HUB_ERR_MAX];
    int rc = o.set[2] ? nx_hub_user_revoke(h, o.value[2], err, sizeof err)
                      : nx_hub_device_revoke(h, o.value[3], err, sizeof err);
    nx_hub_close(h);
    if (rc)
        return fail("user revoke", err);
    printf("%s %s revoked: its next sync erases its cache\n", o.set[2] ? "user" : "device",
           o.set[2] ? o.value[2] : o.value[3]);
    return 0;
}

static void fmt_time(int64_t t, char *out, size_t len)
{
    if (!t) {
        snprintf(out, len, "-");
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int list_device(void *arg, const nx_hub_device *dv)
{
    (void)arg;
    char seen[32], rev[32], des[32];
    fmt_time(dv->last_seen, seen, sizeof seen);
    fmt_time(dv->revoked_at, rev, sizeof rev);
    fmt_time(dv->destroyed_at, des, sizeof des);
    printf("  device %s last_seen=%s audit_seq=%" PRIu64 " revoked=%s destroyed=%s\n",
           dv->id, seen, dv->audit_seq, rev, des);
    return 0;
}

typedef struct { nx_hub *h; } list_ctx;

static int list_user(void *arg, const nx_hub_user *usr)
{
    list_ctx *c = arg;
    char rev[32];
    fmt_time(usr->revoked_at, rev, sizeof rev);
    printf("%s\t%s\t%s\t%s\n", usr->name, usr->role, usr->team,
           usr->revoked_at ? rev : "active");
    return nx_hub_devices_each(c->h, usr->name, list_device, NULL) < 0 ? -1 : 0;
}

static int user_list(int argc, char **argv)
{
    static const opt_def d[] = { COMMON_OPTS };
    opts o;
    int u = parse(argc, argv, "user list", d, 2, 0, &o);
    nx_hub *h;
    if (u || (u = open_hub(&o, d, &h)))
        return u;
    list_ctx c = { h };
    int rc = nx_hub_users_each(h, list_user, &c);
    nx_hub_close(h);
    return rc ? fail("user list", "cannot read users") : 0;
}

static int cmd_user(int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "add") == 0)
        return user_add(argc - 1, argv + 1);
    if (argc >= 1 && strcmp(argv[0], "revoke") == 0)
        return user_revoke(argc - 1, argv + 1);
    if (argc >= 1 && strcmp(argv[0], "list") == 0)
        return user_list(argc - 1, argv + 1);
    return usage_error("user", "%s", "expected 'user add', 'user revoke' or 'user list'");
}

static int cmd_import(int argc, char **argv)
{
    static const opt_def d[] = { COMMON_OPTS };
    opts o;
    int u = parse(argc, argv, "import", d, 2, 1, &o);
    if (u)
        return u;
    if (o.npos != 1)
        return usage_error("import", "%s", "expected one FILE (JSON Lines)");
    nx_hub *h;
    if ((u = open_hub(&o, d, &h)))
        return u;
    char err[NX_HUB_ERR_MAX];
    int64_t n = 0;
    int rc = nx_hub_import_file(h, o.pos[0], &n, err, sizeof err);
    nx_hub_close(h);
    if (rc)
        return fail("import", err);
    printf("imported %" PRId64 " items\n", n);
    return 0;
}

static int cmd_export(int argc, char **argv)
{
    static const opt_def d[] = { COMMON_OPTS, { "--to", 1 }, { "--recipient", 1 },
                                 { "--plaintext", 0 } };
    opts o;
    int u = parse(argc, argv, "export", d, 5, 0, &o);
    if (u || (u = need(&o, d, 2)))
        return u;
    if (o.set[3] == o.set[4])
        return usage_error("export", "%s", "give exactly one of --recipient KEY, --plaintext");
    if (o.set[4])
        fprintf(stderr, "nexus-hub export: WARNING: --plaintext writes patient data unencrypted "
                "to %s; keep it on encrypted storage and destroy it when done\n", o.value[2]);
    nx_hub *h;
    if ((u = open_hub(&o, d, &h)))
        return u;
    char err[NX_HUB_ERR_MAX];
    int64_t n = 0;
    int rc = nx_hub_export(h, o.value[2], o.value[3], o.set[4], &n, err, sizeof err);
    nx_hub_close(h);
    if (rc)
        return fail("export", err);
    printf("exported %" PRId64 " items to %s%s\n", n, o.value[2], o.set[4] ? " (plaintext)" : " (sealed)");
    return 0;
}

static int cmd_export_key(int argc, char **argv)
{
    static const opt_def d[] = { COMMON_OPTS, { "--public", 1 }, { "--secret", 1 } };
    opts o;
    int u = parse(argc, argv, "export-key", d, 4, 0, &o);
    if (u || (u = need(&o, d, 2)) || (u = need(&o, d, 3)))
        return u;
    char err[NX_HUB_ERR_MAX];
    if (nx_hub_export_keygen(o.value[2], o.value[3], err, sizeof err) != 0)
        return fail("export-key", err);
    printf("public key: %s (give it to 'export --recipient')\nsecret key: %s (0600; keep it "
           "off the hub)\n", o.value[2], o.value[3]);
    return 0;
}

static int cmd_export_open(int argc, char **argv)
{
    static const opt_def d[] = { COMMON_OPTS, { "--in", 1 }, { "--secret", 1 }, { "--out", 1 } };
    opts o;
    int u = parse(argc, argv, "export-open", d, 5, 0, &o);
    for (int k = 2; !u && k <= 4; k++)
        u = need(&o, d, k);
    if (u)
        return u;
    char err[NX_HUB_ERR_MAX];
    if (nx_hub_export_open(o.value[2], o.value[3], o.value[4], err, sizeof err) != 0)
        return fail("export-open", err);
    printf("opened %s into %s\n", o.value[2], o.value[4]);
    return 0;
}

static int cmd_seed(int argc, char **argv)
{
    static const opt_def d[] = { COMMON_OPTS, { "--synthetic", 1 }, { "--team", 1 },
                                 { "--assignee", 1 }, { "--kind", 1 } };
    opts o;
    int u = parse(argc, argv, "seed", d, 6, 0, &o);
    if (u || (u = need(&o, d, 2)))
        return u;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(o.value[2], &end, 10);
    if (!*o.value[2] || *end || errno || n < 1 || n > 10000000)
        return usage_error("seed", "%s", "--synthetic N: 1 to 10000000");
    nx_hub *h;
    if ((u = open_hub(&o, d, &h)))
        return u;
    char err[NX_HUB_ERR_MAX];
    nx_hub_seed_spec s = { .n = n, .team = o.value[3], .assignee = o.value[4], .kind = o.value[5] };
    int rc = nx_hub_seed(h, &s, err, sizeof err);
    nx_hub_close(h);
    if (rc)
        return fail("seed", err);
    printf("seeded %lld synthetic items\n", n);
    return 0;
}

static int cmd_banner(int argc, char **argv)
{
    static const opt_def d[] = { COMMON_OPTS };
    opts o;
    int u = parse(argc, argv, "banner", d, 2, 2, &o);
    if (u)
        return u;
    const char *w = o.npos ? o.pos[0] : "";
    int set = strcmp(w, "set") == 0, clear = strcmp(w, "clear") == 0, show = strcmp(w, "show") == 0;
    if (!(set && o.npos == 2) && !((clear || show) && o.npos == 1))
        return usage_error("banner", "%s", "expected 'banner set TEXT', 'banner clear' or "
                           "'banner show'");
    nx_hub *h;
    if ((u = open_hub(&o, d, &h)))
        return u;
    char err[NX_HUB_ERR_MAX];
    int rc = 0;
    if (show) {
        nx_hub_settings s;
        rc = nx_hub_settings_get(h, &s);
        if (rc == 0)
            printf("%s\n", s.banner[0] ? s.banner : "(no banner)");
        else
            snprintf(err, sizeof err, "cannot read the settings");
    } else
        rc = nx_hub_banner_set(h, set ? o.pos[1] : NULL, err, sizeof err);
    nx_hub_close(h);
    if (rc)
        return fail("banner", err);
    if (!show)
        printf("banner %s\n", set ? "set" : "cleared");
    return 0;
}

static int cmd_emergency(int argc, char **argv)
{
    static const opt_def d[] = { COMMON_OPTS };
    opts o;
    int u = parse(argc, argv, "emergency", d, 2, 1, &o);
    if (u)
        return u;
    int on = o.npos == 1 && strcmp(o.pos[0], "on") == 0;
    int off = o.npos == 1 && strcmp(o.pos[0], "off") == 0;
    if (!on && !off)
        return usage_error("emergency", "%s", "expected 'emergency on' or 'emergency off'");
    nx_hub *h;
    if ((u = open_hub(&o, d, &h)))
        return u;
    char err[NX_HUB_ERR_MAX];
    int rc = nx_hub_emergency_set(h, on, err, sizeof err);
    nx_hub_close(h);
    if (rc)
        return fail("emergency", err);
    printf("emergency mode %s (offline grace %d h)\n", on ? "on" : "off",
           on ? NX_HUB_GRACE_HOURS_EMERGENCY : NX_HUB_GRACE_HOURS);
    return 0;
}

/* unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC). */
static int parse_since(const char *s, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*s && !*end && !errno && v >= 0) {
        *out = v;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *p = strptime(s, "%Y-%m-%d", &tm);
    if (p && (*p == 'T' || *p == ' '))
        p = strptime(p + 1, "%H:%M", &tm), p = (p && *p == ':') ? strptime(p + 1, "%S", &tm) : p;
    if (!p || *p)
        return -1;
    *out = (int64_t)timegm(&tm);
    return 0;
}

typedef struct {
    int reasons;
    uint64_t n;
} query_ctx;

static int print_event(void *arg, const nx_hub_audit_row *r)
{
    query_ctx *q = arg;
    char at[32];
    fmt_time(r->at, at, sizeof at);
    /* A device event's reason is what a user typed for a reveal: shown
     * only on request. The hub's own reasons are its words. */
    const char *reason = r->reason;
    if (strcmp(r->source, "device") == 0 && !q->reasons && *reason)
        reason = "(reason given; --reasons shows it)";
    printf("%s\t%" PRId64 "\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r->source, r->seq, at,
           r->user, r->role, r->device, r->action, *r->item ? r->item : "-",
           *r->field ? r->field : "-", r->outcome, *reason ? reason : "-");
    q->n++;
    return 0;
}

static int cmd_audit(int argc, char **argv)
{
    static const opt_def d[] = { COMMON_OPTS, { "--user", 1 }, { "--item", 1 },
                                 { "--action", 1 }, { "--device", 1 }, { "--since", 1 },
                                 { "--reasons", 0 } };
    int verify = argc >= 1 && strcmp(argv[0], "verify") == 0;
    int query = argc >= 1 && strcmp(argv[0], "query") == 0;
    if (!verify && !query)
        return usage_error("audit", "%s", "expected 'audit verify' or 'audit query'");
    opts o;
    int u = parse(argc - 1, argv + 1, verify ? "audit verify" : "audit query", d,
                  verify ? 2 : 8, 0, &o);
    if (u)
        return u;
    nx_hub_audit_filter f = { .user = o.value[2], .item = o.value[3], .action = o.value[4],
                              .device = o.value[5] };
    if (query && o.set[6] && parse_since(o.value[6], &f.since) != 0)
        return usage_error("audit query", "%s", "--since: unix seconds, YYYY-MM-DD or "
                           "YYYY-MM-DDTHH:MM (UTC)");
    nx_hub *h;
    if ((u = open_hub(&o, d, &h)))
        return u;
    int rc;
    if (verify) {
        char msg[NX_HUB_ERR_MAX];
        uint64_t n = 0;
        rc = nx_hub_audit_verify(h, &n, msg, sizeof msg);
        if (rc == 0)
            printf("ok %" PRIu64 " events\n", n);
        else
            fprintf(stderr, "nexus-hub audit verify: %s\n", msg);
    } else {
        query_ctx q = { .reasons = o.set[7] };
        rc = nx_hub_audit_query(h, &f, print_event, &q);
        if (rc)
            fprintf(stderr, "nexus-hub audit query: cannot read the audit: %s\n", nx_hub_errmsg(h));
    }
    nx_hub_close(h);
    return rc ? 1 : 0;
}

static int cmd_serve(int argc, char **argv)
{
    static const opt_def d[] = { COMMON_OPTS, { "--user", 1 } };
    opts o;
    int u = parse(argc, argv, "serve", d, 3, 0, &o);
    if (u || (u = need(&o, d, 2)))
        return u;
    nx_hub *h;
    if ((u = open_hub(&o, d, &h)))
        return u;
    int rc = nx_hub_serve(h, o.value[2], STDIN_FILENO, STDOUT_FILENO);
    nx_hub_close(h);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    const char *c = argv[1];
    if (strcmp(c, "--help") == 0 || strcmp(c, "-h") == 0 || strcmp(c, "help") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(c, "--version") == 0) {
        printf("nexus-hub %s\n", NX_VERSION);
        return 0;
    }
    /* Everything nexus-hub creates (store, journal, key and export files)
     * is for the hub's account only. */
    umask(077);
    if (nx_crypt_init() != 0) {
        fprintf(stderr, "nexus-hub: cannot initialise the crypto library\n");
        return 1;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        { "init", cmd_init }, { "client", cmd_client }, { "user", cmd_user },
        { "import", cmd_import }, { "export", cmd_export }, { "export-key", cmd_export_key },
        { "export-open", cmd_export_open }, { "seed", cmd_seed }, { "banner", cmd_banner },
        { "emergency", cmd_emergency }, { "audit", cmd_audit }, { "serve", cmd_serve },
        { "qa", nx_hub_qa_main },
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(c, cmds[i].name) == 0) {
            int argc2 = argc - 2;
            char **argv2 = argv + 2;
            /* --help after a command */
            for (int k = 0; k < argc2; k++)
                if (strcmp(argv2[k], "--help") == 0) {
                    fputs(usage_text, stdout);
                    return 0;
                }
            return cmds[i].fn(argc2, argv2);
        }
    return usage_error(c, "%s", "unknown command");
}
