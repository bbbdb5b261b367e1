/* The hub_serve tests' fixture (see test_hub_serve.h): no tests here. */
#include <criterion/criterion.h>
#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hub/hub.h"
#include "store/rows.h"
#include "sync/hlc.h"
#include "tests/helpers/run.h"
#include "tests/unit/test_hub_serve.h"

nx_hub *hs_hub;
char hs_dir[4096];

static void pubkey(char *out, size_t outlen)
{
    unsigned char blob[4 + 11 + 4 + 32];
    unsigned char *p = blob;
    *p++ = 0; *p++ = 0; *p++ = 0; *p++ = 11;
    memcpy(p, "ssh-ed25519", 11);
    p += 11;
    *p++ = 0; *p++ = 0; *p++ = 0; *p++ = 32;
    unsigned char pk[32], sk[64];
    crypto_sign_keypair(pk, sk);
    memcpy(p, pk, 32);
    char b64[128];
    sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
    snprintf(out, outlen, "ssh-ed25519 %s test", b64);
}

static void user(const char *name, const char *role, const char *team)
{
    char key[256], err[512] = "";
    pubkey(key, sizeof key);
    cr_assert_eq(nx_hub_user_add(hs_hub, name, role, team, key, err, sizeof err), 0, "%s", err);
}

void hs_setup(int training)
{
    cr_assert_eq(sodium_init() >= 0, 1);
    char base[4096], err[512] = "";
    nx_t_tmpdir(base, sizeof base, "hubserve");
    cr_assert(base[0]);
    snprintf(hs_dir, sizeof hs_dir, "%s/store", base);
    cr_assert_eq(nx_hub_init(hs_dir, NULL, training, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_hub_open(hs_dir, NULL, &hs_hub, err, sizeof err), 0, "%s", err);
    nx_hub_client_spec cl = { .id = "cl-1", .name = "Lakeside Family Clinic",
                              .tz = "America/New_York" };
    cr_assert_eq(nx_hub_client_add(hs_hub, &cl, err, sizeof err), 0, "%s", err);
    nx_patient_row pt = { "pt-1", "cl-1", HS_FAMILY, "Zebulon", "1961-07-19", "2175550199",
                          "zq@example.invalid", "12 Maple Ave, Springfield, IL 62704", HS_MRN,
                          "QX998877665", "Bluewater Health Plan", "no", "no", "" };
    cr_assert_eq(nx_store_patient_put(nx_hub_store(hs_hub), &pt), 0);
    user("alice", "scheduling", "north");
    user("bob", "scheduling", "north");
    user("erin", "eligibility", "north");
    user("pat", "prior-auth", "north");
    user("sam", "supervisor", "north");
    user("zed", "scheduling", "south");
}

void hs_teardown(void)
{
    nx_hub_close(hs_hub);
    hs_hub = NULL;
}

void hs_item(const char *id, const char *kind, const char *status, const char *assignee,
             const char *team)
{
    int64_t now = nx_hlc_wall_ms() / 1000;
    nx_item_row r = { .id = id, .kind = kind, .client_id = "cl-1", .patient_id = "pt-1",
                      .status = status, .assignee = assignee, .team = team, .priority = 0,
                      .created = now - 3600, .updated = now - 3600, .due = now + 86400 };
    cr_assert_eq(nx_store_item_put(nx_hub_store(hs_hub), &r), 0, "%s",
                 nx_hub_errmsg(hs_hub));
    cr_assert_geq(nx_hub_item_touch(hs_hub, id), 1);
}

void hs_field(const char *item, const char *field, const char *value)
{
    cr_assert_eq(nx_store_item_field_put(nx_hub_store(hs_hub), item, field, value), 0);
    cr_assert_geq(nx_hub_item_touch(hs_hub, item), 1);
}

void hs_note(const char *item, const char *body)
{
    cr_assert_eq(nx_store_note_add(nx_hub_store(hs_hub), item, "erin", 1780000000, body, 0, NULL), 0);
    cr_assert_geq(nx_hub_item_touch(hs_hub, item), 1);
}

long long hs_count(const char *sql)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(nx_hub_db(hs_hub), sql, -1, &st, NULL), SQLITE_OK, "%s: %s",
                 sql, nx_hub_errmsg(hs_hub));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    long long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

void hs_undo_hub_migration_8(void)
{
    sqlite3 *db = nx_hub_db(hs_hub);
    cr_assert_eq(sqlite3_exec(db,
                              "DROP TRIGGER hub_item_rev_scope; DROP TRIGGER hub_item_rev_scope_insert;"
                              "DROP INDEX item_rev_assignee; DROP INDEX item_rev_team;"
                              "ALTER TABLE item_rev DROP COLUMN assignee;"
                              "ALTER TABLE item_rev DROP COLUMN team;",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
}

void hs_text(const char *sql, char *out, size_t outlen)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(nx_hub_db(hs_hub), sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
    out[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* ---- the fake client ---------------------------------------------------------------- */

static void *serve_thread(void *arg)
{
    hs_conn *c = arg;
    c->rc = nx_hub_serve(c->h, c->user, c->hub_fd, c->hub_fd);
    /* The hub's end closes with the session, as sshd's pipes would. */
    shutdown(c->hub_fd, SHUT_RDWR);
    return NULL;
}

void hs_open(hs_conn *c, const char *name)
{
    memset(c, 0, sizeof *c);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    c->h = hs_hub;
    snprintf(c->user, sizeof c->user, "%s", name);
    nx_wbuf_init(&c->out);
    c->fd = sv[0];
    c->hub_fd = sv[1];
    cr_assert_eq(pthread_create(&c->th, NULL, serve_thread, c), 0);
    c->running = 1;
}

void hs_hello(hs_conn *c, const char *device, uint64_t cursor, int training)
{
    nx_wbuf *b = &c->out;
    nx_msg_begin(b, NX_MSG_HELLO);
    nx_msg_u64(b, NX_TAG_PROTO, NX_PROTO_VERSION);
    nx_msg_str(b, NX_TAG_VERSION, "test-0.1");
    nx_msg_str(b, NX_TAG_DEVICE, device);
    nx_msg_u64(b, NX_TAG_CURSOR, cursor);
    nx_msg_u64(b, NX_TAG_HLC, hs_hlc(0));
    if (training)
        nx_msg_u64(b, NX_TAG_TRAINING, 1);
    nx_msg_end(b);
}

void hs_op(hs_conn *c, const char *op_id, const char *kind, const char *item, const char *field,
           const char *value, const char *expect, const char *user, const char *device,
           uint64_t hlc)
{
    nx_wbuf *b = &c->out;
    nx_msg_begin(b, NX_MSG_OP);
    nx_msg_str(b, NX_TAG_OP_ID, op_id);
    nx_msg_str(b, NX_TAG_OP_KIND, kind);
    nx_msg_str(b, NX_TAG_ITEM, item);
    nx_msg_u64(b, NX_TAG_HLC, hlc);
    nx_msg_str(b, NX_TAG_USER, user);
    nx_msg_str(b, NX_TAG_DEVICE, device);
    if (field)
        nx_msg_str(b, NX_TAG_FIELD, field);
    if (value)
        nx_msg_str(b, NX_TAG_VALUE, value);
    if (expect)
        nx_msg_str(b, NX_TAG_EXPECT, expect);
    nx_msg_end(b);
}

void hs_pull(hs_conn *c, uint64_t cursor)
{
    nx_wbuf *b = &c->out;
    nx_msg_begin(b, NX_MSG_PULL);
    nx_msg_u64(b, NX_TAG_CURSOR, cursor);
    nx_msg_u64(b, NX_TAG_HLC, hs_hlc(0));
    nx_msg_end(b);
}

void hs_first_pull(hs_conn *c, const char *user, const char *device)
{
    hs_open(c, user);
    hs_hello(c, device, 0, 0);
    hs_pull(c, 0);
    hs_send(c);
    cr_assert_geq(hs_read_until(c, NX_MSG_END), 0);
}

void hs_audit(hs_conn *c, const char *device, uint64_t seq, const unsigned char prev[32],
              const unsigned char hash[32])
{
    nx_wbuf *b = &c->out;
    nx_msg_begin(b, NX_MSG_AUDIT);
    nx_msg_u64(b, NX_TAG_SEQ, seq);
    nx_msg_i64(b, NX_TAG_AT, 1780000000 + (int64_t)seq);
    nx_msg_str(b, NX_TAG_USER, c->user);
    nx_msg_str(b, NX_TAG_ROLE, "scheduling");
    nx_msg_str(b, NX_TAG_DEVICE, device);
    nx_msg_str(b, NX_TAG_ACTION, "view");
    nx_msg_str(b, NX_TAG_OUTCOME, "ok");
    nx_msg_hash(b, NX_TAG_PREV_HASH, prev);
    nx_msg_hash(b, NX_TAG_HASH, hash);
    nx_msg_end(b);
}

void hs_send_raw(hs_conn *c, const void *p, size_t n)
{
    const unsigned char *q = p;
    while (n) {
        ssize_t w = send(c->fd, q, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        cr_assert_gt(w, 0, "write to the hub failed");
        q += w;
        n -= (size_t)w;
    }
}

void hs_send(hs_conn *c)
{
    cr_assert_eq(c->out.failed, 0);
    hs_send_raw(c, c->out.p, c->out.len);
    nx_wbuf_reset(&c->out);
}

static int read_n(hs_conn *c, unsigned char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(c->fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        if (c->caplen + (size_t)r > c->capcap) {
            size_t nc = c->capcap ? c->capcap * 2 : 65536;
            while (nc < c->caplen + (size_t)r)
                nc *= 2;
            c->cap = realloc(c->cap, nc);
            cr_assert_not_null(c->cap);
            c->capcap = nc;
        }
        memcpy(c->cap + c->caplen, p + got, (size_t)r);
        c->caplen += (size_t)r;
        got += (size_t)r;
    }
    return 0;
}

int hs_read_until(hs_conn *c, nx_msg_type until)
{
    for (;;) {
        unsigned char hdr[4];
        if (read_n(c, hdr, 4) != 0)
            return -1;
        uint32_t len = 0;
        char err[256];
        cr_assert_eq(nx_frame_len(hdr, &len, err, sizeof err), 0, "%s", err);
        unsigned char *body = malloc(len);
        cr_assert_not_null(body);
        cr_assert_eq(read_n(c, body, len), 0, "frame cut short");
        nx_msg *m = malloc(sizeof *m);
        cr_assert_eq(nx_msg_decode(body, len, m, err, sizeof err), 0,
                     "the hub sent a frame that does not decode: %s", err);
        if (c->nfr == c->capfr) {
            c->capfr = c->capfr ? c->capfr * 2 : 64;
            c->fr = realloc(c->fr, c->capfr * sizeof *c->fr);
        }
        c->fr[c->nfr].body = body;
        c->fr[c->nfr].len = len;
        c->fr[c->nfr].type = m->type;
        c->nfr++;
        nx_msg_type t = m->type;
        free(m);
        if (t == until || t == NX_MSG_ERROR)
            return (int)c->nfr - 1;
    }
}

int hs_close(hs_conn *c)
{
    if (c->running) {
        nx_wbuf *b = &c->out;
        nx_wbuf_reset(b);
        nx_msg_begin(b, NX_MSG_BYE);
        nx_msg_end(b);
        /* The hub may have closed already: no SIGPIPE. */
        (void)!send(c->fd, b->p, b->len, MSG_NOSIGNAL);
        nx_wbuf_reset(b);
        /* Drain what the hub still writes until it closes. */
        unsigned char buf[4096];
        shutdown(c->fd, SHUT_WR);
        while (read(c->fd, buf, sizeof buf) > 0)
            ;
        pthread_join(c->th, NULL);
        c->running = 0;
    }
    return c->rc;
}

void hs_free(hs_conn *c)
{
    hs_close(c);
    close(c->fd);
    close(c->hub_fd);
    for (size_t i = 0; i < c->nfr; i++)
        free(c->fr[i].body);
    free(c->fr);
    free(c->cap);
    nx_wbuf_free(&c->out);
}

void hs_decode(hs_conn *c, size_t i, nx_msg *m)
{
    char err[256];
    cr_assert_lt(i, c->nfr);
    cr_assert_eq(nx_msg_decode(c->fr[i].body, c->fr[i].len, m, err, sizeof err), 0, "%s", err);
}

int hs_find(hs_conn *c, nx_msg_type t, size_t nth)
{
    for (size_t i = 0; i < c->nfr; i++)
        if (c->fr[i].type == t && nth-- == 0)
            return (int)i;
    return -1;
}

size_t hs_nframes(hs_conn *c, nx_msg_type t)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nfr; i++)
        n += c->fr[i].type == t;
    return n;
}

int hs_captured(const hs_conn *c, const char *s)
{
    return memmem(c->cap, c->caplen, s, strlen(s)) != NULL;
}

int hs_result(hs_conn *c, const char *op_id, char *outcome, size_t outlen, char *reason,
              size_t reasonlen)
{
    nx_msg *m = malloc(sizeof *m);
    int found = 0;
    for (size_t i = 0; i < c->nfr && !found; i++) {
        if (c->fr[i].type != NX_MSG_RESULT)
            continue;
        hs_decode(c, i, m);
        char id[80];
        if (nx_msg_get_str(m, NX_TAG_OP_ID, id, sizeof id) == 1 && strcmp(id, op_id) == 0) {
            found = 1;
            nx_msg_get_str(m, NX_TAG_OUTCOME, outcome, outlen);
            if (reason) {
                reason[0] = '\0';
                nx_msg_get_str(m, NX_TAG_REASON, reason, reasonlen);
            }
        }
    }
    free(m);
    return found;
}

int hs_item_frame(hs_conn *c, const char *item_id)
{
    nx_msg *m = malloc(sizeof *m);
    int at = -1;
    for (size_t i = 0; i < c->nfr && at < 0; i++) {
        if (c->fr[i].type != NX_MSG_ITEM)
            continue;
        hs_decode(c, i, m);
        char id[80];
        if (nx_msg_get_str(m, NX_TAG_ITEM, id, sizeof id) == 1 && strcmp(id, item_id) == 0)
            at = (int)i;
    }
    free(m);
    return at;
}

int hs_item_kv(hs_conn *c, size_t i, nx_tag tag, const char *field, char *out, size_t outlen)
{
    nx_msg *m = malloc(sizeof *m);
    hs_decode(c, i, m);
    int found = 0;
    for (size_t k = 0; k < m->n && !found; k++) {
        if (m->f[k].tag != tag)
            continue;
        char buf[20000];
        const char *parts[2];
        cr_assert_eq(nx_field_tuple(&m->f[k], buf, sizeof buf, parts, 2), 0);
        if (strcmp(parts[0], field) == 0) {
            snprintf(out, outlen, "%s", parts[1]);
            found = 1;
        }
    }
    free(m);
    return found;
}

void hs_end(hs_conn *c, uint64_t *cursor, uint64_t *count)
{
    int i = hs_find(c, NX_MSG_END, hs_nframes(c, NX_MSG_END) - 1);
    cr_assert_geq(i, 0, "no END");
    nx_msg *m = malloc(sizeof *m);
    hs_decode(c, (size_t)i, m);
    cr_assert_eq(nx_msg_get_u64(m, NX_TAG_CURSOR, cursor), 1);
    cr_assert_eq(nx_msg_get_u64(m, NX_TAG_COUNT, count), 1);
    free(m);
}

uint64_t hs_hlc(int64_t delta_ms)
{
    return NX_HLC_MAKE(nx_hlc_wall_ms() + delta_ms, 0);
}

/* A user of team north with a fresh key (the hub's user add). */
static void add_user(const char *name, const char *role)
{
    unsigned char blob[4 + 11 + 4 + 32], *p = blob, pk[32], sk[64];
    memcpy(p, "\0\0\0\x0bssh-ed25519\0\0\0\x20", 19);
    p += 19;
    crypto_sign_keypair(pk, sk);
    memcpy(p, pk, 32);
    char b64[128], key[256], err[512] = "";
    sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
    snprintf(key, sizeof key, "ssh-ed25519 %s test", b64);
    cr_assert_eq(nx_hub_user_add(hs_hub, name, role, "north", key, err, sizeof err), 0, "%s", err);
}

void hs_setup_officers(void)
{
    hs_setup(0);
    add_user("olivia", "privacy-officer");
    add_user("sid", "security-officer");
    add_user("ada", "auditor");
}

long long hs_end_cursor(hs_conn *c, int tag, int *more)
{
    int i = hs_find(c, NX_MSG_END, hs_nframes(c, NX_MSG_END) - 1);
    cr_assert_geq(i, 0);
    nx_msg *m = malloc(sizeof *m);
    hs_decode(c, (size_t)i, m);
    uint64_t v = 0, mo = 0;
    long long out = nx_msg_get_u64(m, tag, &v) == 1 ? (long long)v : -1;
    *more = nx_msg_get_u64(m, NX_TAG_MORE, &mo) == 1 && mo;
    free(m);
    return out;
}
