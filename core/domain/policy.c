/* The policy file's parser and the questions the rest of core asks of it
 * (format in policy.h). Rules are kept in flat tables indexed by role and
 * by dictionary field or PHI class, each with the line that set it, so a
 * duplicate can name the first line. */
#include "domain/policy.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 1024
#define WORDS_MAX 4

typedef struct {
    int line;          /* 0: no rule */
    nx_level level;
} rule;

struct nx_policy {
    const nx_dict *dict;
    rule cls[NX_ROLE_COUNT][NX_PHI_COUNT];
    rule *fld;                               /* [role * dict->n + field] */
    int allow_line[NX_ROLE_COUNT][NX_ACTION_COUNT];  /* 0: not allowed */
    nx_scope scope[NX_ROLE_COUNT];
    int scope_line[NX_ROLE_COUNT];
};

/* ---- names -------------------------------------------------------------- */

static const char *const level_names[NX_LEVEL_COUNT] = { "hidden", "partial", "reveal", "full" };

const char *nx_level_name(nx_level l)
{
    return (unsigned)l < NX_LEVEL_COUNT ? level_names[l] : "?";
}

int nx_level_parse(const char *name)
{
    for (int i = 0; i < NX_LEVEL_COUNT; i++)
        if (strcmp(level_names[i], name) == 0)
            return i;
    return -1;
}

static const char *const action_names[NX_ACTION_COUNT] = {
#define NX_ACTION_NAME(id, name, help) name,
    NX_ACTIONS(NX_ACTION_NAME)
#undef NX_ACTION_NAME
};
static const char *const action_helps[NX_ACTION_COUNT] = {
#define NX_ACTION_HELP(id, name, help) help,
    NX_ACTIONS(NX_ACTION_HELP)
#undef NX_ACTION_HELP
};

const char *nx_action_name(nx_action a)
{
    return (unsigned)a < NX_ACTION_COUNT ? action_names[a] : "?";
}

const char *nx_action_help(nx_action a)
{
    return (unsigned)a < NX_ACTION_COUNT ? action_helps[a] : "?";
}

int nx_action_parse(const char *name)
{
    for (int i = 0; i < NX_ACTION_COUNT; i++)
        if (strcmp(action_names[i], name) == 0)
            return i;
    return -1;
}

static const char *const scope_names[] = { "none", "own", "team", "all" };

const char *nx_scope_name(nx_scope s)
{
    return (unsigned)s <= NX_SCOPE_ALL ? scope_names[s] : "?";
}

int nx_scope_parse(const char *name)
{
    for (int i = 0; i <= NX_SCOPE_ALL; i++)
        if (strcmp(scope_names[i], name) == 0)
            return i;
    return -1;
}

/* ---- parser ------------------------------------------------------------- */

/* DESIGN.md's fixed roles: what the auditor (read-only) and operations
 * (aggregates only) may never be allowed. */
static int auditor_forbidden(nx_action a)
{
    return a == NX_ACTION_CREATE || a == NX_ACTION_EDIT || a == NX_ACTION_STATUS ||
           a == NX_ACTION_NOTE || a == NX_ACTION_ASSIGN || a == NX_ACTION_REVIEW;
}

static int operations_forbidden(nx_action a)
{
    return a != NX_ACTION_KPI && a != NX_ACTION_INCIDENT;
}

/* A word from the file, fit to quote in a message: control bytes become
 * '?', and a long word is cut at a character boundary. */
static void quote(char *out, size_t outlen, const char *w)
{
    size_t n = 0;
    for (; w[n] && n < 40 && n + 1 < outlen; n++) {
        unsigned char c = (unsigned char)w[n];
        out[n] = (char)(c < 0x20 || c == 0x7F ? '?' : c);
    }
    /* Cut inside a UTF-8 sequence: drop its first bytes too. */
    while (n > 0 && ((unsigned char)w[n] & 0xC0) == 0x80)
        n--;
    out[n] = '\0';
}

typedef struct {
    nx_policy *p;
    int line;
    char *msg;
    size_t msglen;
} parse_ctx;

static int bad(parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(parse_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, c->msglen, fmt, ap);
    va_end(ap);
    return -1;
}

static int parse_role(parse_ctx *c, const char *w)
{
    int r = nx_role_parse(w);
    if (r < 0) {
        char q[64];
        quote(q, sizeof q, w);
        return bad(c, "unknown role \"%s\" (one of: %s)", q, nx_role_list());
    }
    return r;
}

/* phi: the PHI class of the field or class the rule is about. Operations
 * counts (DESIGN: aggregates only): it may hold a workflow fact a KPI is
 * computed from, never a field that can hold PHI. */
static int parse_level(parse_ctx *c, int role, const char *w, int phi)
{
    int l = nx_level_parse(w);
    if (l < 0) {
        char q[64];
        quote(q, sizeof q, w);
        return bad(c, "unknown level \"%s\" (full, reveal, partial or hidden)", q);
    }
    if (role == NX_ROLE_OPERATIONS && l != NX_LEVEL_HIDDEN && phi != NX_PHI_NONE)
        return bad(c, "operations sees aggregates only: a field that holds PHI must be hidden");
    return l;
}

static int set_rule(parse_ctx *c, rule *r, int level, const char *what)
{
    if (r->line)
        return bad(c, "duplicate rule: %s (first on line %d)", what, r->line);
    r->line = c->line;
    r->level = (nx_level)level;
    return 0;
}

static int rule_field(parse_ctx *c, char **w, int nw)
{
    if (nw != 4)
        return bad(c, "wrong number of words (field ROLE FIELD LEVEL)");
    int role = parse_role(c, w[1]);
    if (role < 0)
        return -1;
    const nx_field_def *f = nx_dict_find(c->p->dict, w[2]);
    if (!f) {
        char q[64];
        quote(q, sizeof q, w[2]);
        return bad(c, "unknown field \"%s\"", q);
    }
    int level = parse_level(c, role, w[3], (int)f->phi);
    if (level < 0)
        return -1;
    char what[160];
    snprintf(what, sizeof what, "field %s %s", w[1], w[2]);
    size_t idx = (size_t)(f - c->p->dict->fields);
    return set_rule(c, &c->p->fld[(size_t)role * c->p->dict->n + idx], level, what);
}

static int rule_class(parse_ctx *c, char **w, int nw)
{
    if (nw != 4)
        return bad(c, "wrong number of words (class ROLE CLASS LEVEL)");
    int role = parse_role(c, w[1]);
    if (role < 0)
        return -1;
    int cls = nx_phi_parse(w[2]);
    if (cls < 0) {
        char q[64];
        quote(q, sizeof q, w[2]);
        return bad(c, "unknown class \"%s\"", q);
    }
    int level = parse_level(c, role, w[3], cls);
    if (level < 0)
        return -1;
    char what[160];
    snprintf(what, sizeof what, "class %s %s", w[1], w[2]);
    return set_rule(c, &c->p->cls[role][cls], level, what);
}

static int rule_allow(parse_ctx *c, char **w, int nw)
{
    if (nw != 3)
        return bad(c, "wrong number of words (allow ROLE ACTION[,ACTION...])");
    int role = parse_role(c, w[1]);
    if (role < 0)
        return -1;
    /* Actions are recorded one by one; a bad one later on the line fails
     * the whole parse, which frees the policy, so none of them lives on. */
    char *s = w[2];
    for (;;) {
        char *comma = strchr(s, ',');
        if (comma)
            *comma = '\0';
        int a = nx_action_parse(s);
        if (a < 0) {
            char q[64];
            quote(q, sizeof q, s);
            return bad(c, "unknown action \"%s\"", q);
        }
        if (role == NX_ROLE_AUDITOR && auditor_forbidden((nx_action)a))
            return bad(c, "the auditor is read-only: cannot allow %s", action_names[a]);
        if (role == NX_ROLE_OPERATIONS && operations_forbidden((nx_action)a))
            return bad(c, "operations sees aggregates only: cannot allow %s", action_names[a]);
        int *line = &c->p->allow_line[role][a];
        if (*line)
            return bad(c, "duplicate rule: allow %s %s (first on line %d)", w[1], action_names[a],
                       *line);
        *line = c->line;
        if (!comma)
            return 0;
        s = comma + 1;
    }
}

static int rule_scope(parse_ctx *c, char **w, int nw)
{
    if (nw != 3)
        return bad(c, "wrong number of words (scope ROLE own|team|all|none)");
    int role = parse_role(c, w[1]);
    if (role < 0)
        return -1;
    int s = nx_scope_parse(w[2]);
    if (s < 0) {
        char q[64];
        quote(q, sizeof q, w[2]);
        return bad(c, "unknown scope \"%s\" (own, team, all or none)", q);
    }
    if (c->p->scope_line[role])
        return bad(c, "duplicate rule: scope %s (first on line %d)", w[1], c->p->scope_line[role]);
    c->p->scope_line[role] = c->line;
    c->p->scope[role] = (nx_scope)s;
    return 0;
}

static int parse_line(parse_ctx *c, char *buf)
{
    char *hash = strchr(buf, '#');
    if (hash)
        *hash = '\0';
    char *w[WORDS_MAX + 1];
    int nw = 0;
    for (char *s = buf;;) {
        while (*s == ' ' || *s == '\t' || *s == '\r')
            s++;
        if (!*s)
            break;
        if (nw <= WORDS_MAX)
            w[nw] = s;
        nw++;
        while (*s && *s != ' ' && *s != '\t' && *s != '\r')
            s++;
        if (*s)
            *s++ = '\0';
    }
    if (nw == 0)
        return 0;
    if (nw > WORDS_MAX + 1)
        nw = WORDS_MAX + 1; /* "too many" is all the checks need to know */
    if (strcmp(w[0], "field") == 0)
        return rule_field(c, w, nw);
    if (strcmp(w[0], "class") == 0)
        return rule_class(c, w, nw);
    if (strcmp(w[0], "allow") == 0)
        return rule_allow(c, w, nw);
    if (strcmp(w[0], "scope") == 0)
        return rule_scope(c, w, nw);
    char q[64];
    quote(q, sizeof q, w[0]);
    return bad(c, "unknown rule \"%s\" (field, class, allow or scope)", q);
}

int nx_policy_parse_string(const char *text, const char *name, const nx_dict *d,
                           nx_policy **out, char *err, size_t errlen)
{
    *out = NULL;
    nx_policy *p = calloc(1, sizeof *p);
    if (p)
        p->fld = calloc((size_t)NX_ROLE_COUNT * (d->n ? d->n : 1), sizeof *p->fld);
    if (!p || !p->fld) {
        nx_policy_free(p);
        return nx_err(err, errlen, "%s: out of memory", name);
    }
    p->dict = d;
    char msg[512];
    parse_ctx c = { p, 0, msg, sizeof msg };
    for (const char *s = text; *s;) {
        c.line++;
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        char buf[LINE_MAX_LEN];
        int rc;
        if (n >= sizeof buf) {
            rc = bad(&c, "line too long (at most %d characters)", LINE_MAX_LEN - 1);
        } else {
            memcpy(buf, s, n);
            buf[n] = '\0';
            rc = parse_line(&c, buf);
        }
        if (rc < 0) {
            nx_err(err, errlen, "%s:%d: %s", name, c.line, msg);
            nx_policy_free(p);
            return -1;
        }
        s += n + (nl != NULL);
    }
    *out = p;
    return 0;
}

int nx_policy_load(const char *path, const nx_dict *d, nx_policy **out, char *err, size_t errlen)
{
    *out = NULL;
    char *text;
    size_t len;
    if (nx_read_file(path, 1 << 20, &text, &len, err, errlen))
        return -1;
    int rc;
    if (strlen(text) != len)
        rc = nx_err(err, errlen, "%s: contains a NUL byte (not a text file)", path);
    else
        rc = nx_policy_parse_string(text, path, d, out, err, errlen);
    free(text);
    return rc;
}

void nx_policy_free(nx_policy *p)
{
    if (!p)
        return;
    free(p->fld);
    free(p);
}

/* ---- questions ---------------------------------------------------------- */

static int role_ok(nx_role r) { return (unsigned)r < NX_ROLE_COUNT; }

int nx_policy_allows(const nx_policy *p, nx_role r, nx_action a)
{
    return p && role_ok(r) && (unsigned)a < NX_ACTION_COUNT && p->allow_line[r][a] != 0;
}

nx_scope nx_policy_scope(const nx_policy *p, nx_role r)
{
    return p && role_ok(r) ? p->scope[r] : NX_SCOPE_NONE;
}

/* The policy's own row for f: by address when f is one of its
 * dictionary's, else by id (f from another dictionary); -1 if absent. */
static long field_index(const nx_policy *p, const nx_field_def *f)
{
    for (size_t i = 0; i < p->dict->n; i++)
        if (&p->dict->fields[i] == f)
            return (long)i;
    for (size_t i = 0; i < p->dict->n; i++)
        if (strcmp(p->dict->fields[i].id, f->id) == 0)
            return (long)i;
    return -1;
}

nx_level nx_policy_level(const nx_policy *p, nx_role r, const nx_field_def *f)
{
    if (!p || !f || !role_ok(r) ||
        !(nx_policy_allows(p, r, NX_ACTION_VIEW) || nx_policy_allows(p, r, NX_ACTION_KPI)))
        return NX_LEVEL_HIDDEN;
    nx_level level = NX_LEVEL_HIDDEN;
    long i = field_index(p, f);
    if (i >= 0 && p->fld[(size_t)r * p->dict->n + (size_t)i].line)
        level = p->fld[(size_t)r * p->dict->n + (size_t)i].level;
    else if ((unsigned)f->phi < NX_PHI_COUNT && p->cls[r][f->phi].line)
        level = p->cls[r][f->phi].level;
    if (level == NX_LEVEL_REVEAL && !nx_policy_allows(p, r, NX_ACTION_REVEAL))
        level = NX_LEVEL_PARTIAL;
    return level;
}
