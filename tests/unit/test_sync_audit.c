/* The devices' audit events on an oversight role's laptop
 * (core/sync/client_audit.c, core/store/device_events.c), against the real
 * hub's serve in a thread (socketpair) and, at the end, the real nexus-hub
 * over the local: pipe: an agent syncs (pushing its chain), a privacy
 * officer syncs and holds the agent's events once, reveal reasons
 * included; the audit cursor moves only at END; a pull cut midway resumes
 * without a duplicate; the chain check says "verified up to seq N", or
 * where the first broken link is; an officer's rounds go quiet; an agent's
 * client refuses AUDIT frames; a role moved away drops what it held. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store/device_events.h"
#include "store/rows.h"
#include "sync/client_int.h"
#include "sync/transport.h"
#include "tests/helpers/run.h"
#include "tests/helpers/syncfix.h"
#include "tests/unit/test_hub_serve.h"

#define REVEAL_WHY "caller verified identity, needed the date of birth"

static nx_sf A, O;      /* the agent's and the officer's profiles */
static int hub_open;

static void teardown(void)
{
    nx_sf_close(&A);
    nx_sf_close(&O);
    if (hub_open)
        hs_teardown();
    hub_open = 0;
}

TestSuite(sync_audit, .fini = teardown);

/* A profile like nx_sf_open's, without seed data, with its own device id. */
static void open_prof(nx_sf *f, const char *tag, const char *user, const char *role,
                      unsigned char dev)
{
    char err[512] = "";
    memset(f, 0, sizeof *f);
    cr_assert_eq(nx_crypt_init(), 0);
    nx_t_tmpdir(f->dir, sizeof f->dir, tag);
    cr_assert(f->dir[0]);
    nx_conf_defaults(&f->conf);
    snprintf(f->conf.cache_dir, sizeof f->conf.cache_dir, "%s/profile", f->dir);
    cr_assert_eq(nx_profile_paths(&f->prof, &f->conf, err, sizeof err), 0, "%s", err);
    nx_profile_info info = { 0 };
    snprintf(info.user, sizeof info.user, "%s", user);
    snprintf(info.role, sizeof info.role, "%s", role);
    snprintf(info.team, sizeof info.team, "north");
    info.created = info.passphrase_set = NX_SF_NOW;
    for (int i = 0; i < 16; i++)
        info.device_id[i] = (unsigned char)(dev + i);
    cr_assert_eq(nx_profile_create(&f->prof, "Pass-word-1", 11, NX_KDF_TEST_ONLY, &info, err,
                                   sizeof err), 0, "%s", err);
}

static void hub_user(const char *name, const char *role)
{
    unsigned char blob[4 + 11 + 4 + 32], pk[32], sk[64];
    memcpy(blob, "\0\0\0\x0bssh-ed25519\0\0\0\x20", 19);
    crypto_sign_keypair(pk, sk);
    memcpy(blob + 19, pk, 32);
    char b64[128], key[256], err[512] = "";
    sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
    snprintf(key, sizeof key, "ssh-ed25519 %s test", b64);
    cr_assert_eq(nx_hub_user_add(hs_hub, name, role, "north", key, err, sizeof err), 0, "%s", err);
}

/* The agent's trail: a view, a reveal with its reason, a logout. */
static void agent_events(void)
{
    char err[512] = "";
    nx_audit_event v = { .action = NX_AUDIT_VIEW, .item_id = "it-0042" };
    nx_audit_event r = { .action = NX_AUDIT_REVEAL, .item_id = "it-0042", .field = "dob",
                         .reason = REVEAL_WHY };
    nx_audit_event o = { .action = NX_AUDIT_LOGOUT };
    cr_assert_eq(nx_profile_audit(&A.prof, &v, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_audit(&A.prof, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_audit(&A.prof, &o, err, sizeof err), 0, "%s", err);
}

/* ---- the real hub's serve in a thread, on a socketpair --------------------------------- */

typedef struct link_conn {
    int fd, hub_fd;
    pthread_t th;
    char user[64];
    long reads, cut_reads;      /* reads fail from cut_reads on (0 = never) */
} link_conn;

typedef struct hub_link {
    char user[64];
    long cut_after;             /* the next connection: cut after this many frames */
    int connections;
    /* a scripted hub instead of the real one: these bytes, then EOF */
    const nx_wbuf *script;
} hub_link;

static void *serve_thread(void *arg)
{
    link_conn *c = arg;
    (void)nx_hub_serve(hs_hub, c->user, c->hub_fd, c->hub_fd);
    shutdown(c->hub_fd, SHUT_RDWR);
    return NULL;
}

static int l_write(void *ctx, const void *buf, size_t len, char *err, size_t errlen)
{
    link_conn *c = ctx;
    const unsigned char *p = buf;
    while (len) {
        ssize_t w = send(c->fd, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, errlen, "write to the hub failed");
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int l_read(void *ctx, void *buf, size_t len, char *err, size_t errlen)
{
    link_conn *c = ctx;
    if (c->cut_reads && ++c->reads > c->cut_reads) {
        shutdown(c->fd, SHUT_RDWR);
        snprintf(err, errlen, "connection cut (test)");
        return -1;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(c->fd, (unsigned char *)buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(err, errlen, "the hub closed the connection");
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

static int l_dead(void *ctx)
{
    (void)ctx;
    return 0;
}

static void l_close(void *ctx)
{
    link_conn *c = ctx;
    shutdown(c->fd, SHUT_RDWR);
    pthread_join(c->th, NULL);
    close(c->fd);
    close(c->hub_fd);
    free(c);
}

static const nx_wbuf *script_of;

static void *script_thread(void *arg)
{
    link_conn *c = arg;
    const unsigned char *p = script_of->p;
    size_t n = script_of->len;
    while (n) {
        ssize_t w = send(c->hub_fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        p += w;
        n -= (size_t)w;
    }
    /* Read what the client sends until it closes. */
    unsigned char buf[4096];
    while (read(c->hub_fd, buf, sizeof buf) > 0)
        ;
    return NULL;
}

static nx_sync_code link_connect(void *arg, nx_syncer *y, nx_sync_io *io, char *err,
                                 size_t errlen)
{
    (void)y;
    (void)err;
    (void)errlen;
    hub_link *l = arg;
    link_conn *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    c->fd = sv[0];
    c->hub_fd = sv[1];
    snprintf(c->user, sizeof c->user, "%s", l->user);
    /* Each frame is two reads (header, body). */
    c->cut_reads = l->cut_after * 2;
    l->cut_after = 0;
    l->connections++;
    script_of = l->script;
    cr_assert_eq(pthread_create(&c->th, NULL, l->script ? script_thread : serve_thread, c), 0);
    *io = (nx_sync_io){ c, l_write, l_read, l_dead, l_close };
    return NX_SYNC_OK;
}

static nx_syncer *syncer(nx_sf *f, hub_link *l, const char *user)
{
    memset(l, 0, sizeof *l);
    snprintf(l->user, sizeof l->user, "%s", user);
    nx_syncer *y = NULL;
    char err[512] = "";
    cr_assert_eq(nx_syncer_new_with(&f->prof, &f->conf, link_connect, l, &y, err, sizeof err), 0,
                 "%s", err);
    return y;
}

static void round_ok(nx_syncer *y, nx_sync_stats *st)
{
    char err[512] = "";
    nx_sync_code c = nx_syncer_round(y, st, err, sizeof err);
    cr_assert_eq(c, NX_SYNC_OK, "round: %s: %s", nx_sync_code_name(c), err);
}

static long long q(nx_sf *f, const char *sql)
{
    return nx_sf_count(f, sql);
}

static uint64_t cursor_of(nx_sf *f)
{
    uint64_t v = 0;
    cr_assert_eq(nx_devev_cursor(f->prof.store, &v), 0);
    return v;
}

static void setup_hub(void)
{
    hs_setup(0);
    hub_open = 1;
    hub_user("olivia", "privacy-officer");
}

/* ---- the review queries' helpers ---------------------------------------------------------- */

typedef struct {
    int n;
    int64_t last_hub_seq, last_at;
    char reason[600];
    int ordered;        /* oldest first: (at, hub_seq) increasing */
} walk_ctx;

static int walk_cb(void *arg, const nx_devev *e)
{
    walk_ctx *w = arg;
    if (w->n && (e->at < w->last_at || (e->at == w->last_at && e->hub_seq <= w->last_hub_seq)))
        w->ordered = 0;
    w->last_hub_seq = e->hub_seq;
    w->last_at = e->at;
    if (strcmp(e->action, "reveal") == 0)
        snprintf(w->reason, sizeof w->reason, "%s", e->reason);
    w->n++;
    return 0;
}

Test(sync_audit, an_officer_holds_every_devices_events_once_and_the_chain_verifies)
{
    setup_hub();
    open_prof(&A, "devev-agent", "alice", "scheduling", 0xb0);
    open_prof(&O, "devev-officer", "olivia", "privacy-officer", 0xc0);
    agent_events();

    hub_link la, lo;
    nx_syncer *ya = syncer(&A, &la, "alice"), *yo = syncer(&O, &lo, "olivia");
    nx_sync_stats st;
    round_ok(ya, &st);
    uint64_t agent_pushed = st.audit_pushed;
    cr_assert_geq(agent_pushed, 4, "init, view, reveal, logout");
    cr_assert_eq(st.audit_pulled, 0, "an agent holds no device's events");
    cr_assert_eq(q(&A, "SELECT count(*) FROM device_events"), 0);
    cr_assert_eq(cursor_of(&A), 0);
    nx_syncer_free(ya);

    round_ok(yo, &st);
    long long on_hub = hs_count("SELECT count(*) FROM device_audit");
    cr_assert_eq(st.audit_pulled, (uint64_t)on_hub, "every event the hub holds, %llu of %lld",
                 (unsigned long long)st.audit_pulled, on_hub);
    cr_assert_eq(q(&O, "SELECT count(*) FROM device_events"), on_hub);
    cr_assert_eq(cursor_of(&O), (uint64_t)hs_count("SELECT value FROM hub_counter WHERE name='audit'"));
    char dev[40];
    snprintf(dev, sizeof dev, "%s", A.prof.audit.device);
    nx_devev_filter f = { .device = dev };
    cr_assert_eq(nx_devev_count(O.prof.store, &f), (int64_t)agent_pushed);

    /* The review reads: by user, item, action; the reveal's reason. */
    walk_ctx w = { .ordered = 1 };
    nx_devev_filter by_item = { .item_id = "it-0042" };
    cr_assert_eq(nx_devev_each(O.prof.store, &by_item, walk_cb, &w), 0);
    cr_assert_eq(w.n, 2, "the view and the reveal");
    cr_assert_str_eq(w.reason, REVEAL_WHY);
    nx_devev_filter by_action = { .action = "reveal", .user = "alice" };
    cr_assert_eq(nx_devev_count(O.prof.store, &by_action), 1);
    nx_devev_filter olivia = { .user = "olivia" };
    cr_assert_geq(nx_devev_count(O.prof.store, &olivia), 1, "her own device's events too");
    nx_devev_filter none = { .from = 1, .to = 2 };
    cr_assert_eq(nx_devev_count(O.prof.store, &none), 0);
    memset(&w, 0, sizeof w);
    w.ordered = 1;
    cr_assert_eq(nx_devev_each(O.prof.store, NULL, walk_cb, &w), 0);
    cr_assert_eq(w.n, on_hub);
    cr_assert(w.ordered, "oldest first, in hub order within a second");
    cr_assert_gt(w.n, 1);

    /* The agent's chain: verified up to the last seq it pushed. */
    nx_devev_chain ch;
    cr_assert_eq(nx_devev_chain_check(O.prof.store, dev, &ch), 0);
    cr_assert_eq(ch.events, (int64_t)agent_pushed);
    cr_assert_eq(ch.first_seq, 1);
    cr_assert_eq(ch.verified_upto, (int64_t)agent_pushed);
    cr_assert_eq(ch.broken_at, 0);
    cr_assert_eq(ch.breaks, 0);

    /* Stored once: the same event again changes nothing. */
    nx_devev_writer *wr = NULL;
    cr_assert_eq(nx_devev_writer_new(O.prof.store, &wr), 0);
    unsigned char h[32] = { 1 };
    nx_devev again = { .hub_seq = 1, .seq = 1, .at = 1, .device = dev, .user = "alice",
                       .role = "scheduling", .action = "init", .outcome = "ok",
                       .prev_hash = h, .hash = h };
    cr_assert_eq(nx_devev_write(wr, &again), 1);
    again.hub_seq = 999999;
    cr_assert_eq(nx_devev_write(wr, &again), 1, "same device and seq");
    nx_devev_writer_free(wr);
    cr_assert_eq(q(&O, "SELECT count(*) FROM device_events"), on_hub);

    /* The officer's rounds go quiet: her own sync event comes back once,
     * then nothing. */
    round_ok(yo, &st);
    cr_assert_leq(st.audit_pulled, 1);
    round_ok(yo, &st);
    cr_assert_eq(st.audit_pulled, 0);
    cr_assert_eq(st.audit_pushed, 0);
    round_ok(yo, &st);
    cr_assert_eq(st.audit_pulled + st.audit_pushed, 0, "no feedback loop");
    cr_assert_eq(cursor_of(&O), (uint64_t)hs_count("SELECT value FROM hub_counter WHERE name='audit'"));
    nx_syncer_free(yo);
}

Test(sync_audit, a_pull_cut_midway_resumes_without_duplicates_and_the_cursor_moves_at_end,
     .timeout = 120)
{
    setup_hub();
    open_prof(&O, "devev-cut", "olivia", "privacy-officer", 0xc0);
    /* 3 000 events of some device, straight into the hub, chained. */
    const char *dev = "d00dd00dd00dd00dd00dd00dd00dd00d";
    unsigned char prev[32] = { 0 }, h[32];
    cr_assert_eq(nx_hub_begin(hs_hub), 0);
    for (uint64_t seq = 1; seq <= 3000; seq++) {
        memset(h, 0x5a, 32);
        memcpy(h, &seq, sizeof seq);
        nx_hub_dev_event e = { .seq = seq, .at = 1780000000 + (int64_t)seq, .device = dev,
                               .user = "bob", .role = "scheduling", .action = "view",
                               .item = "it-1", .field = "", .reason = "", .outcome = "ok",
                               .prev_hash = prev, .hash = h };
        cr_assert_eq(nx_hub_dev_event_add(hs_hub, &e), 0);
        memcpy(prev, h, 32);
    }
    cr_assert_eq(nx_hub_commit(hs_hub), 0);

    hub_link l;
    nx_syncer *y = syncer(&O, &l, "olivia");
    nx_syncer_set_apply_batch(y, 256, 0);
    /* WELCOME, then 1 500 of the 3 000: past a few batch commits. */
    l.cut_after = 1501;
    nx_sync_stats st;
    char err[512] = "";
    cr_assert_eq(nx_syncer_round(y, &st, err, sizeof err), NX_SYNC_UNREACHABLE, "%s", err);
    long long part = q(&O, "SELECT count(*) FROM device_events");
    cr_assert_geq(part, 256, "a batch was committed before the cut (%lld)", part);
    cr_assert_lt(part, 3000);
    cr_assert_eq(cursor_of(&O), 0, "the audit cursor moves only at END");

    round_ok(y, &st);
    long long on_hub = hs_count("SELECT count(*) FROM device_audit");
    cr_assert_eq(q(&O, "SELECT count(*) FROM device_events"), on_hub);
    cr_assert_eq(st.audit_pulled, (uint64_t)(on_hub - part), "the rest, nothing twice");
    cr_assert_eq(q(&O, "SELECT count(*) FROM (SELECT device, seq FROM device_events"
                       " GROUP BY device, seq HAVING count(*) > 1)"), 0);
    cr_assert_eq(cursor_of(&O), (uint64_t)hs_count("SELECT value FROM hub_counter WHERE name='audit'"));
    nx_devev_chain ch;
    cr_assert_eq(nx_devev_chain_check(O.prof.store, dev, &ch), 0);
    cr_assert_eq(ch.verified_upto, 3000);
    cr_assert_eq(ch.broken_at, 0);
    nx_syncer_free(y);
}

Test(sync_audit, the_chain_check_names_the_first_broken_link)
{
    open_prof(&O, "devev-chain", "olivia", "privacy-officer", 0xc0);
    nx_store *s = O.prof.store;
    nx_devev_writer *w = NULL;
    cr_assert_eq(nx_devev_writer_new(s, &w), 0);
    unsigned char hs[12][32];
    for (int i = 0; i < 12; i++)
        memset(hs[i], 0x30 + i, 32);
    /* Device d1: 1..4 linked, 5 missing, 6..7; then 8 with a wrong link. */
    cr_assert_eq(nx_store_begin(s), 0);
    int64_t hub = 1;
    for (int seq = 1; seq <= 8; seq++) {
        if (seq == 5)
            continue;
        const unsigned char *prev = seq == 1 ? hs[0] : hs[seq - 1];
        if (seq == 8)
            prev = hs[2];
        nx_devev e = { .hub_seq = hub++, .seq = seq, .at = 100 + seq, .device = "d1d1d1d1",
                       .user = "alice", .role = "scheduling", .action = "view",
                       .outcome = "ok", .prev_hash = prev, .hash = hs[seq] };
        cr_assert_eq(nx_devev_write(w, &e), 0);
    }
    /* Device d2: starts at seq 3 (the first events never reached the hub). */
    for (int seq = 3; seq <= 4; seq++) {
        nx_devev e = { .hub_seq = hub++, .seq = seq, .at = 200 + seq, .device = "d2d2d2d2",
                       .user = "bob", .role = "scheduling", .action = "view",
                       .outcome = "ok", .prev_hash = hs[seq - 1], .hash = hs[seq] };
        cr_assert_eq(nx_devev_write(w, &e), 0);
    }
    cr_assert_eq(nx_store_commit(s), 0);
    nx_devev_writer_free(w);

    nx_devev_chain c;
    cr_assert_eq(nx_devev_chain_check(s, "d1d1d1d1", &c), 0);
    cr_assert_eq(c.events, 7);
    cr_assert_eq(c.verified_upto, 4);
    cr_assert_eq(c.broken_at, 6);
    cr_assert_eq(c.why, NX_CHAIN_GAP);
    cr_assert_eq(c.breaks, 2, "the gap and the wrong link at 8");
    cr_assert_eq(c.last_seq, 8);
    cr_assert_eq(nx_devev_chain_check(s, "d2d2d2d2", &c), 0);
    cr_assert_eq(c.first_seq, 3);
    cr_assert_eq(c.verified_upto, 0);
    cr_assert_eq(c.broken_at, 3);
    cr_assert_eq(c.why, NX_CHAIN_START);
    cr_assert_eq(nx_devev_chain_check(s, "nodevice", &c), 0);
    cr_assert_eq(c.events, 0);
    cr_assert_eq(c.broken_at, 0);
    /* A wrong link alone. */
    cr_assert_eq(nx_devev_writer_new(s, &w), 0);
    cr_assert_eq(nx_store_begin(s), 0);
    for (int seq = 1; seq <= 3; seq++) {
        nx_devev e = { .hub_seq = hub++, .seq = seq, .at = 300 + seq, .device = "d3d3d3d3",
                       .user = "carl", .role = "scheduling", .action = "view",
                       .outcome = "ok", .prev_hash = seq == 3 ? hs[9] : hs[seq - 1],
                       .hash = hs[seq] };
        cr_assert_eq(nx_devev_write(w, &e), 0);
    }
    cr_assert_eq(nx_store_commit(s), 0);
    nx_devev_writer_free(w);
    cr_assert_eq(nx_devev_chain_check(s, "d3d3d3d3", &c), 0);
    cr_assert_eq(c.verified_upto, 2);
    cr_assert_eq(c.broken_at, 3);
    cr_assert_eq(c.why, NX_CHAIN_LINK);
    /* Devices listed, newest-first walk with a limit. */
    cr_assert_eq(nx_devev_count(s, NULL), 7 + 2 + 3);
    nx_devev_filter newest = { .newest_first = 1, .limit = 1 };
    walk_ctx wc = { .ordered = 1 };
    cr_assert_eq(nx_devev_each(s, &newest, walk_cb, &wc), 0);
    cr_assert_eq(wc.n, 1);
    cr_assert_eq(wc.last_hub_seq, hub - 1);
    nx_devev_filter window = { .from = 101, .to = 104 };
    cr_assert_eq(nx_devev_count(s, &window), 3);
}

/* A hub that sends an agent the devices' events: the agent's client
 * refuses them, and keeps none. */
Test(sync_audit, an_agents_client_refuses_device_audit_events)
{
    open_prof(&A, "devev-refuse", "alice", "scheduling", 0xb0);
    nx_wbuf b;
    nx_wbuf_init(&b);
    nx_msg_begin(&b, NX_MSG_WELCOME);
    nx_msg_u64(&b, NX_TAG_PROTO, NX_PROTO_VERSION);
    nx_msg_str(&b, NX_TAG_VERSION, "test");
    nx_msg_str(&b, NX_TAG_USER, "alice");
    nx_msg_str(&b, NX_TAG_ROLE, "scheduling");
    nx_msg_str(&b, NX_TAG_TEAM, "north");
    nx_msg_i64(&b, NX_TAG_TIME, NX_SF_NOW);
    nx_msg_u64(&b, NX_TAG_HLC, 1);
    nx_msg_u64(&b, NX_TAG_GRACE_HOURS, 24);
    nx_msg_u64(&b, NX_TAG_KEEP_DAYS, 14);
    nx_msg_end(&b);
    unsigned char z[32] = { 0 };
    nx_msg_begin(&b, NX_MSG_AUDIT);
    nx_msg_u64(&b, NX_TAG_SEQ, 1);
    nx_msg_i64(&b, NX_TAG_AT, NX_SF_NOW);
    nx_msg_str(&b, NX_TAG_USER, "bob");
    nx_msg_str(&b, NX_TAG_ROLE, "scheduling");
    nx_msg_str(&b, NX_TAG_DEVICE, "b0b0b0b0b0b0b0b0");
    nx_msg_str(&b, NX_TAG_ACTION, "reveal");
    nx_msg_str(&b, NX_TAG_OUTCOME, "ok");
    nx_msg_hash(&b, NX_TAG_PREV_HASH, z);
    nx_msg_hash(&b, NX_TAG_HASH, z);
    nx_msg_str(&b, NX_TAG_REASON, REVEAL_WHY);
    nx_msg_u64(&b, NX_TAG_HUB_SEQ, 1);
    nx_msg_end(&b);
    nx_msg_begin(&b, NX_MSG_END);
    nx_msg_u64(&b, NX_TAG_CURSOR, 0);
    nx_msg_i64(&b, NX_TAG_TIME, NX_SF_NOW);
    nx_msg_u64(&b, NX_TAG_HLC, 2);
    nx_msg_u64(&b, NX_TAG_COUNT, 0);
    nx_msg_u64(&b, NX_TAG_AUDIT_CURSOR, 1);
    nx_msg_end(&b);
    hub_link l;
    nx_syncer *y = syncer(&A, &l, "alice");
    l.script = &b;
    nx_sync_stats st;
    char err[512] = "";
    nx_sync_code c = nx_syncer_round(y, &st, err, sizeof err);
    cr_assert_eq(c, NX_SYNC_PROTOCOL, "%s: %s", nx_sync_code_name(c), err);
    cr_assert(strstr(err, "may not hold them"), "%s", err);
    cr_assert_not(strstr(err, REVEAL_WHY));
    cr_assert_eq(q(&A, "SELECT count(*) FROM device_events"), 0);
    cr_assert_eq(cursor_of(&A), 0);
    nx_syncer_free(y);
    nx_wbuf_free(&b);
}

/* An officer moved to another role: the next new session's END erases
 * the devices' events from the laptop, and says so in its audit. */
Test(sync_audit, a_role_moved_away_drops_the_devices_events)
{
    setup_hub();
    open_prof(&O, "devev-moved", "olivia", "privacy-officer", 0xc0);
    hub_link l;
    nx_syncer *y = syncer(&O, &l, "olivia");
    nx_sync_stats st;
    round_ok(y, &st);
    cr_assert_gt(q(&O, "SELECT count(*) FROM device_events"), 0, "her own events at least");
    cr_assert_gt(cursor_of(&O), 0);
    cr_assert_eq(sqlite3_exec(nx_hub_db(hs_hub), "UPDATE users SET role='scheduling' WHERE "
                              "name='olivia'", NULL, NULL, NULL), SQLITE_OK);
    long long erased = q(&O, "SELECT count(*) FROM audit WHERE action='erase'");
    /* The kept-open session ends (role changed); the retry's WELCOME says
     * scheduling. */
    round_ok(y, &st);
    cr_assert_eq(st.audit_pulled, 0);
    cr_assert_eq(q(&O, "SELECT count(*) FROM device_events"), 0);
    cr_assert_eq(cursor_of(&O), 0);
    cr_assert_eq(q(&O, "SELECT count(*) FROM audit WHERE action='erase'"), erased + 1);
    cr_assert_eq(l.connections, 2);
    nx_syncer_free(y);
}

/* ---- end to end: the real nexus-hub over the local: pipe ---------------------------------- */

static void hub_cmd(const char *const *argv)
{
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, NULL, NULL, &r), 0);
    cr_assert_eq(r.status, 0, "%s %s: %s%s", argv[1], argv[2], r.out, r.err);
}

static void hub_add(const char *hub, const char *store, nx_sf *f, const char *user,
                    const char *role)
{
    char err[512] = "", pub[1024], path[4200];
    cr_assert_eq(nx_sync_key_ensure(f->prof.store, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_sync_key_public(f->prof.store, user, pub, sizeof pub, err, sizeof err), 0,
                 "%s", err);
    snprintf(path, sizeof path, "%s/%s.pub", f->dir, user);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fprintf(fp, "%s\n", pub);
    fclose(fp);
    hub_cmd((const char *const[]){ hub, "user", "add", "--store", store, "--user", user,
                                   "--role", role, "--team", "north", "--key", path, NULL });
}

Test(sync_audit, e2e_an_agents_chain_reaches_the_privacy_officer_over_local)
{
    char hub[4200];
    snprintf(hub, sizeof hub, "%s", nx_t_bin("nexus-hub"));
    if (access(hub, X_OK) != 0)
        cr_skip_test("no nexus-hub beside the tests");
    open_prof(&A, "devev-e2e-a", "alice", "scheduling", 0xb0);
    open_prof(&O, "devev-e2e-o", "olivia", "privacy-officer", 0xc0);
    char store[4200];
    snprintf(store, sizeof store, "%s/hub", A.dir);
    hub_cmd((const char *const[]){ hub, "init", "--store", store, NULL });
    hub_add(hub, store, &A, "alice", "scheduling");
    hub_add(hub, store, &O, "olivia", "privacy-officer");
    setenv("NEXUS_HUB", hub, 1);
    snprintf(A.conf.sync_host, sizeof A.conf.sync_host, "local:%s", store);
    snprintf(O.conf.sync_host, sizeof O.conf.sync_host, "local:%s", store);
    agent_events();

    char err[512] = "";
    nx_syncer *y = NULL;
    nx_sync_stats st;
    cr_assert_eq(nx_syncer_new(&A.prof, &A.conf, &y, err, sizeof err), 0, "%s", err);
    round_ok(y, &st);
    uint64_t pushed = st.audit_pushed;
    cr_assert_geq(pushed, 4);
    cr_assert_eq(st.audit_pulled, 0);
    nx_syncer_free(y);
    cr_assert_eq(q(&A, "SELECT count(*) FROM device_events"), 0, "the agent holds none");

    cr_assert_eq(nx_syncer_new(&O.prof, &O.conf, &y, err, sizeof err), 0, "%s", err);
    round_ok(y, &st);
    cr_assert_geq(st.audit_pulled, pushed);
    nx_syncer_free(y);
    char dev[40];
    snprintf(dev, sizeof dev, "%s", A.prof.audit.device);
    nx_devev_filter f = { .device = dev };
    cr_assert_eq(nx_devev_count(O.prof.store, &f), (int64_t)pushed);
    nx_devev_filter rv = { .device = dev, .action = "reveal" };
    walk_ctx w = { .ordered = 1 };
    cr_assert_eq(nx_devev_each(O.prof.store, &rv, walk_cb, &w), 0);
    cr_assert_eq(w.n, 1);
    cr_assert_str_eq(w.reason, REVEAL_WHY);
    nx_devev_chain ch;
    cr_assert_eq(nx_devev_chain_check(O.prof.store, dev, &ch), 0);
    cr_assert_eq(ch.broken_at, 0, "first broken link at %lld (%s)", (long long)ch.broken_at,
                 nx_chain_why_text(ch.why));
    cr_assert_eq(ch.verified_upto, (int64_t)pushed, "verified up to the last seq pushed");
    cr_assert_gt(cursor_of(&O), 0);
}
