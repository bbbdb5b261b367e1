/* hub/serve — the connection loop of `nexus-hub serve` (see serve.h).
 *
 * sshd has proved who the user is and runs this with --user NAME; nothing a
 * frame says about identity is believed. One connection carries many rounds
 * (HELLO only on the first): frames are read and decoded strictly, ops and
 * audit events are written in one transaction per burst of input (each op
 * in its own savepoint, so a refused or failed op leaves nothing), and the
 * answers are written only after that transaction has committed: a RESULT
 * the client reads is durable. Before blocking on the network the batch is
 * committed and the answers flushed, so no lock is held while waiting for a
 * slow client. A bad frame ends the connection with an ERROR, and the
 * uncommitted batch is rolled back (nothing of the round is applied).
 *
 * Nothing here writes to stderr: sshd may log it, and the one thing worth
 * saying to the client goes in an ERROR frame without any value. */
#include "hub/serve.h"
#include "hub/qa_live.h"
#include "session/training.h"
#include "util/util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef NX_VERSION
#define NX_VERSION "0.0.0"
#endif

int64_t srv_now(void)
{
    return nx_now();
}

/* ---- the wire ---------------------------------------------------------------------- */

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int srv_flush(nx_srv *s)
{
    if (s->out.failed)
        return -1;
    int rc = s->out.len ? write_all(s->out_fd, s->out.p, s->out.len) : 0;
    nx_wbuf_reset(&s->out);
    return rc;
}

/* 0 read, 1 EOF before the first byte, -1 error or EOF inside. */
static int read_all(int fd, unsigned char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return got == 0 ? 1 : -1;
        got += (size_t)r;
    }
    return 0;
}

static int input_pending(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int rc;
    do
        rc = poll(&p, 1, 0);
    while (rc < 0 && errno == EINTR);
    return rc > 0;
}

void srv_error(nx_srv *s, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Whatever was queued but not committed is not sent: those answers
     * would speak of writes that are about to be rolled back. */
    nx_wbuf_reset(&s->out);
    s->out.failed = 0;
    nx_msg_begin(&s->out, NX_MSG_ERROR);
    nx_msg_str(&s->out, NX_TAG_MESSAGE, msg);
    nx_msg_end(&s->out);
    (void)srv_flush(s);
}

/* ---- the write batch ------------------------------------------------------------------ */

int srv_tx(nx_srv *s)
{
    if (s->in_tx)
        return 0;
    if (nx_hub_begin(s->h) != 0)
        return -1;
    s->in_tx = 1;
    s->tx_changes = sqlite3_total_changes64(nx_hub_db(s->h));
    nx_hlc stored = 0;
    if (srv_hlc_load(s, &stored) != 0)
        return -1;
    if (stored > s->hlc)
        s->hlc = stored;
    return 0;
}

int srv_tx_commit(nx_srv *s)
{
    if (!s->in_tx)
        return 0;
    s->in_tx = 0;
    /* The hub's clock is kept with the writes it ordered, and whenever it
     * runs ahead of the wall clock (a restart must not lose that); a round
     * that changed nothing commits without a write (no fsync). */
    int wrote = sqlite3_total_changes64(nx_hub_db(s->h)) != s->tx_changes;
    if ((wrote || NX_HLC_MS(s->hlc) > nx_hlc_wall_ms()) && srv_hlc_save(s, s->hlc) != 0) {
        nx_hub_rollback(s->h);
        return -1;
    }
    if (nx_hub_commit(s->h) != 0) {
        nx_hub_rollback(s->h);
        return -1;
    }
    return 0;
}

void srv_tx_rollback(nx_srv *s)
{
    if (s->in_tx)
        nx_hub_rollback(s->h);
    s->in_tx = 0;
}

/* A reason as the hub's audit takes it: one line of at most
 * NX_AUDIT_REASON_MAX bytes, cut at a character boundary. */
static void one_line(char *out, size_t outlen, const char *in)
{
    size_t max = outlen - 1 < NX_AUDIT_REASON_MAX ? outlen - 1 : NX_AUDIT_REASON_MAX, n = 0;
    for (; in[n] && n < max; n++)
        out[n] = (unsigned char)in[n] < 0x20 || in[n] == 0x7f ? ' ' : in[n];
    while (n > 0 && in[n] && ((unsigned char)in[n] & 0xc0) == 0x80)
        n--;                               /* do not split a UTF-8 sequence */
    out[n] = '\0';
}

int srv_audit(nx_srv *s, const char *action, const char *item, const char *field,
              const char *reason, int failed)
{
    char err[NX_HUB_ERR_MAX], line[NX_AUDIT_REASON_MAX + 1];
    if (reason) {
        one_line(line, sizeof line, reason);
        reason = line;
    }
    nx_hub_event e = { .action = action, .user = s->user, .role = s->role_name[0] ? s->role_name : "none",
                       .device = s->device[0] ? s->device : NULL,
                       .item = item && *item ? item : NULL, .field = field && *field ? field : NULL,
                       .reason = reason, .failed = failed, .at = srv_now() };
    return nx_hub_audit(s->h, &e, err, sizeof err);
}

/* A refusal of the session itself, in its own transaction. */
static void audit_refusal(nx_srv *s, const char *reason)
{
    srv_tx_rollback(s);
    char err[NX_HUB_ERR_MAX];
    nx_hub_event e = { .action = NX_HUB_ACT_REJECT, .user = s->user,
                       .role = s->role_name[0] ? s->role_name : "none",
                       .device = s->device[0] ? s->device : NULL, .reason = reason,
                       .failed = 1, .at = srv_now() };
    (void)nx_hub_audit_log(s->h, &e, err, sizeof err);
}

/* ---- HELLO ------------------------------------------------------------------------------ */

static int hex_id_ok(const char *d)
{
    size_t n = strlen(d);
    if (n < 8 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f') ||
              (d[i] >= 'A' && d[i] <= 'F')))
            return 0;
    return 1;
}

static int hlc_plausible(nx_hlc v)
{
    return NX_HLC_MS(v) <= nx_hlc_wall_ms() + SRV_MAX_AHEAD_MS;
}

/* 0 welcomed, 1 refused (ERROR sent), -1 store. */
static int on_hello(nx_srv *s, const nx_msg *m)
{
    uint64_t proto = 0, cursor = 0, training = 0, hlc = 0;
    char device[65] = "";
    nx_msg_get_u64(m, NX_TAG_PROTO, &proto);
    if (proto != NX_PROTO_VERSION) {
        srv_error(s, "protocol version mismatch: the client speaks version %llu, this hub "
                  "speaks version %d; update nexus", (unsigned long long)proto, NX_PROTO_VERSION);
        audit_refusal(s, "protocol version mismatch");
        return 1;
    }
    if (nx_msg_get_str(m, NX_TAG_VERSION, s->client_version, sizeof s->client_version) != 1)
        s->client_version[0] = '\0';
    if (nx_msg_get_str(m, NX_TAG_DEVICE, device, sizeof device) != 1 || !hex_id_ok(device)) {
        srv_error(s, "hello: the device id is not a hex id");
        audit_refusal(s, "bad device id in hello");
        return 1;
    }
    snprintf(s->device, sizeof s->device, "%s", device);
    nx_msg_get_u64(m, NX_TAG_CURSOR, &cursor);
    nx_msg_get_u64(m, NX_TAG_HLC, &hlc);
    nx_msg_get_u64(m, NX_TAG_TRAINING, &training);

    nx_hub_user u;
    int found = nx_hub_user_get(s->h, s->user, &u);
    if (found < 0)
        return -1;
    if (found == 0) {
        srv_error(s, "user %s is not known to this hub", s->user);
        audit_refusal(s, "unknown user");
        return 1;
    }
    int role = nx_role_parse(u.role);
    if (role < 0) {
        srv_error(s, "user %s has a role this hub does not know", s->user);
        audit_refusal(s, "unknown role");
        return 1;
    }
    s->role = (nx_role)role;
    snprintf(s->role_name, sizeof s->role_name, "%s", u.role);
    snprintf(s->team, sizeof s->team, "%s", u.team);
    if (nx_hub_settings_get(s->h, &s->set) != 0)
        return -1;
    if (s->set.training && !training) {
        srv_error(s, "a production profile on a training hub: this hub serves training "
                  "profiles only");
        audit_refusal(s, "production profile on a training hub");
        return 1;
    }
    if (!s->set.training && training) {
        srv_error(s, "training profile on a production hub: practice data never mixes with "
                  "real work");
        audit_refusal(s, "training profile on a production hub");
        return 1;
    }

    if (srv_tx(s) != 0)
        return -1;
    int64_t now = srv_now();
    int t = nx_hub_device_touch(s->h, s->device, s->user, now);
    if (t < 0)
        return -1;
    if (t == 1) {
        srv_error(s, "device %s is registered to another user", s->device);
        char why[160];
        snprintf(why, sizeof why, "device %s presented by another user", s->device);
        srv_tx_rollback(s);
        char err[NX_HUB_ERR_MAX];
        nx_hub_event e = { .action = NX_HUB_ACT_SECURITY, .user = s->user, .role = s->role_name,
                           .reason = why, .failed = 1, .at = now };
        (void)nx_hub_audit_log(s->h, &e, err, sizeof err);
        return 1;
    }
    nx_hub_device d;
    if (nx_hub_device_get(s->h, s->device, &d) != 1)
        return -1;
    int user_revoked = u.revoked_at != 0, device_revoked = d.revoked_at != 0;
    s->revoked = user_revoked || device_revoked;
    s->cursor = cursor;
    if (hlc_plausible(hlc))
        nx_hlc_recv(&s->hlc, hlc, nx_hlc_wall_ms());
    else
        nx_hlc_tick(&s->hlc, nx_hlc_wall_ms());

    char why[256];
    snprintf(why, sizeof why, "start: client %s, cursor %llu%s",
             s->client_version[0] ? s->client_version : "unknown", (unsigned long long)cursor,
             s->revoked ? ", revoked" : "");
    if (srv_audit(s, NX_HUB_ACT_SESSION, NULL, NULL, why, 0) != 0)
        return -1;
    if (s->revoked) {
        snprintf(why, sizeof why, "revocation delivered (%s revoked)",
                 user_revoked ? "user" : "device");
        if (srv_audit(s, NX_HUB_ACT_SECURITY, NULL, NULL, why, 0) != 0)
            return -1;
    }

    nx_wbuf *b = &s->out;
    nx_msg_begin(b, NX_MSG_WELCOME);
    nx_msg_u64(b, NX_TAG_PROTO, NX_PROTO_VERSION);
    nx_msg_str(b, NX_TAG_VERSION, NX_VERSION);
    nx_msg_str(b, NX_TAG_USER, s->user);
    nx_msg_str(b, NX_TAG_ROLE, s->role_name);
    nx_msg_str(b, NX_TAG_TEAM, s->team);
    nx_msg_i64(b, NX_TAG_TIME, now);
    nx_msg_u64(b, NX_TAG_HLC, nx_hlc_tick(&s->hlc, nx_hlc_wall_ms()));
    nx_msg_u64(b, NX_TAG_GRACE_HOURS, (uint64_t)s->set.effective_grace_hours);
    nx_msg_u64(b, NX_TAG_KEEP_DAYS, (uint64_t)s->set.keep_closed_days);
    if (s->set.banner[0])
        nx_msg_str(b, NX_TAG_BANNER, s->set.banner);
    nx_msg_u64(b, NX_TAG_EMERGENCY, s->set.emergency ? 1 : 0);
    if (s->revoked)
        nx_msg_u64(b, NX_TAG_REVOKED, 1);
    nx_msg_u64(b, NX_TAG_TRAINING, s->set.training ? 1 : 0);
    nx_msg_end(b);
    s->hello = 1;
    return 0;
}

/* ---- DESTROYED ---------------------------------------------------------------------------- */

static int on_destroyed(nx_srv *s, const nx_msg *m)
{
    char device[65] = "";
    int64_t at = 0;
    nx_msg_get_str(m, NX_TAG_DEVICE, device, sizeof device);
    nx_msg_get_i64(m, NX_TAG_TIME, &at);
    nx_hub_device d;
    int found = hex_id_ok(device) ? nx_hub_device_get(s->h, device, &d) : 0;
    if (found < 0)
        return -1;
    if (found == 0 || strcmp(d.user, s->user) != 0) {
        srv_error(s, "destroyed: device %s is not one of this user's devices",
                  hex_id_ok(device) ? device : "(bad id)");
        return 1;
    }
    if (srv_tx(s) != 0 || nx_hub_device_destroyed(s->h, device, srv_now()) != 0)
        return -1;
    char why[160];
    snprintf(why, sizeof why, "cache erased on the device (device time %lld)%s", (long long)at,
             s->revoked ? "" : "; the device was not revoked");
    char err[NX_HUB_ERR_MAX];
    nx_hub_event e = { .action = NX_HUB_ACT_DESTROYED, .user = s->user, .role = s->role_name,
                       .device = device, .reason = why, .at = srv_now() };
    return nx_hub_audit(s->h, &e, err, sizeof err) == 0 ? 0 : -1;
}

/* ---- the loop ------------------------------------------------------------------------------ */

static void session_end(nx_srv *s)
{
    if (!s->hello)
        return;
    char why[400];
    snprintf(why, sizeof why,
             "end: %llu rounds; ops %llu (applied %llu, duplicate %llu, rejected %llu, "
             "conflict %llu); audit events %llu; items sent %llu, dropped %llu",
             (unsigned long long)s->st.rounds, (unsigned long long)s->st.ops,
             (unsigned long long)s->st.applied, (unsigned long long)s->st.dup,
             (unsigned long long)s->st.rejected, (unsigned long long)s->st.conflicts,
             (unsigned long long)s->st.audit, (unsigned long long)s->st.items,
             (unsigned long long)s->st.drops);
    char err[NX_HUB_ERR_MAX];
    nx_hub_event e = { .action = NX_HUB_ACT_SESSION, .user = s->user, .role = s->role_name,
                       .device = s->device, .reason = why, .at = srv_now() };
    (void)nx_hub_audit_log(s->h, &e, err, sizeof err);
}

/* A kept-open connection outlives what HELLO checked: at the start of each
 * later round the user and device are read again. Revoked since, or given
 * another role or team: the session ends with ERROR, and the client's new
 * session gets a WELCOME that says so (REVOKED, the new ROLE). 0 go on, 1
 * ended, -1 store. */
static int recheck(nx_srv *s)
{
    if (s->revoked)
        return 0;
    nx_hub_user u;
    nx_hub_device d;
    int fu = nx_hub_user_get(s->h, s->user, &u), fd = nx_hub_device_get(s->h, s->device, &d);
    if (fu < 0 || fd < 0)
        return -1;
    if (fu == 0 || u.revoked_at || (fd == 1 && d.revoked_at)) {
        srv_error(s, "this user or device has been revoked: connect again");
        return 1;
    }
    if (strcmp(u.role, s->role_name) != 0 || strcmp(u.team, s->team) != 0) {
        srv_error(s, "your role or team has changed: connect again");
        return 1;
    }
    return 0;
}

/* A frame the client may not send. */
static int from_hub_only(nx_msg_type t)
{
    return t == NX_MSG_WELCOME || t == NX_MSG_RESULT || t == NX_MSG_CLIENT ||
           t == NX_MSG_ITEM || t == NX_MSG_DROP || t == NX_MSG_END;
}

/* 0 go on, 1 end cleanly (BYE), 2 protocol error (ERROR sent), -1 store. */
static int dispatch(nx_srv *s, const nx_msg *m)
{
    nx_msg_type t = m->type;
    if (t == NX_MSG_ERROR)
        return 2;
    if (from_hub_only(t)) {
        srv_error(s, "frame: a client may not send %s", nx_msg_name(t));
        return 2;
    }
    if (!s->hello && t != NX_MSG_HELLO) {
        if (t == NX_MSG_BYE)
            return 1;
        srv_error(s, "frame: %s before hello", nx_msg_name(t));
        return 2;
    }
    int rc;
    if ((t == NX_MSG_OP || t == NX_MSG_AUDIT || t == NX_MSG_PULL) && !s->in_round) {
        s->in_round = 1;
        if (s->st.rounds > 0 && (rc = recheck(s)) != 0)
            return rc == 1 ? 2 : rc;
        if (srv_qa_round(s) != 0)              /* end-of-period QA draws: hub/qa_live.h */
            return -1;
    }
    switch (t) {
    case NX_MSG_HELLO:
        if (s->hello) {
            srv_error(s, "frame: a second hello on one connection");
            return 2;
        }
        rc = on_hello(s, m);
        return rc == 1 ? 2 : rc;
    case NX_MSG_OP:
        if (++s->round_ops > SRV_MAX_OPS_PER_ROUND) {
            srv_error(s, "too many ops in one round (at most %d before pull)",
                      SRV_MAX_OPS_PER_ROUND);
            return 2;
        }
        return srv_on_op(s, m);
    case NX_MSG_AUDIT:
        if (++s->round_audit > SRV_MAX_AUDIT_PER_ROUND) {
            srv_error(s, "too many audit events in one round (at most %d before pull)",
                      SRV_MAX_AUDIT_PER_ROUND);
            return 2;
        }
        rc = srv_on_audit(s, m);
        return rc == 1 ? 2 : rc;
    case NX_MSG_PULL:
        rc = srv_on_pull(s, m);
        s->round_ops = s->round_audit = 0;
        s->in_round = 0;
        s->st.rounds++;
        return rc;
    case NX_MSG_DESTROYED:
        rc = on_destroyed(s, m);
        return rc == 1 ? 2 : rc;
    case NX_MSG_BYE:
        return 1;
    default:
        srv_error(s, "frame: unexpected %s", nx_msg_name(t) ? nx_msg_name(t) : "message");
        return 2;
    }
}

static int serve_loop(nx_srv *s)
{
    for (;;) {
        if (!input_pending(s->in_fd)) {
            /* About to wait for the client: make the batch durable, then
             * answer it. */
            if (srv_tx_commit(s) != 0)
                return -1;
            if (srv_flush(s) != 0)
                return 1;
        }
        unsigned char hdr[NX_FRAME_HDR];
        int r = read_all(s->in_fd, hdr, sizeof hdr);
        if (r == 1)
            return 0;               /* EOF between frames: the client went away */
        if (r < 0)
            return 1;
        uint32_t len = 0;
        char err[256];
        if (nx_frame_len(hdr, &len, err, sizeof err) != 0) {
            srv_error(s, "%s", err);
            return 2;
        }
        if (len > s->bodycap) {
            unsigned char *nb = malloc(NX_FRAME_MAX);
            if (!nb)
                return -1;
            if (s->body) {
                sodium_memzero(s->body, s->bodycap);
                free(s->body);
            }
            s->body = nb;
            s->bodycap = NX_FRAME_MAX;
        }
        if (read_all(s->in_fd, s->body, len) != 0)
            return 1;               /* cut inside a frame: nothing of it applied */
        if (nx_msg_decode(s->body, len, s->msg, err, sizeof err) != 0) {
            srv_error(s, "%s", err);
            return 2;
        }
        int rc = dispatch(s, s->msg);
        sodium_memzero(s->body, len);
        if (rc == 0)
            continue;
        if (rc == 1) {
            if (srv_tx_commit(s) != 0)
                return -1;
            return srv_flush(s) == 0 ? 0 : 1;
        }
        return rc;
    }
}

int nx_hub_serve(nx_hub *h, const char *user, int in_fd, int out_fd)
{
    nx_srv *s = calloc(1, sizeof *s);
    nx_msg *m = malloc(sizeof *m);
    if (!s || !m) {
        free(s);
        free(m);
        return -1;
    }
    s->h = h;
    s->msg = m;
    s->in_fd = in_fd;
    s->out_fd = out_fd;
    s->dict = nx_dict_default();
    snprintf(s->user, sizeof s->user, "%s", user ? user : "");
    nx_wbuf_init(&s->out);

    /* A client that hangs up must not kill the hub with SIGPIPE. */
    struct sigaction ign = { .sa_handler = SIG_IGN }, old;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);

    int rc;
    char path[4096], err[512];
    if (!srv_token_ok(s->user)) {
        srv_error(s, "the hub was started without a valid user");
        rc = 1;
    } else if (nx_path_join(path, sizeof path, nx_assets_dir(), "policy.txt") != 0 ||
               nx_policy_load(path, s->dict, &s->policy, err, sizeof err) != 0) {
        /* The error names a file and line of the policy, never data. */
        srv_error(s, "the hub cannot load its policy; tell the hub's administrator");
        rc = -1;
    } else if (srv_db_prepare(s) != 0) {
        srv_error(s, "the hub's store is not available; try again later");
        rc = -1;
    } else {
        rc = serve_loop(s);
        if (rc < 0) {
            srv_tx_rollback(s);
            srv_error(s, "the hub's store failed; nothing of this round was kept, try again");
        } else if (rc == 2) {
            srv_tx_rollback(s);
            if (s->hello)
                audit_refusal(s, "protocol error: session ended");
            rc = 1;
        } else {
            if (srv_tx_commit(s) != 0)
                rc = -1;
        }
        srv_tx_rollback(s);
        session_end(s);
    }

    sigaction(SIGPIPE, &old, NULL);
    srv_stmts_free(s);
    nx_policy_free(s->policy);
    nx_wbuf_free(&s->out);
    if (s->body) {
        sodium_memzero(s->body, s->bodycap);
        free(s->body);
    }
    sodium_memzero(m, sizeof *m);
    free(m);
    sodium_memzero(s, sizeof *s);
    free(s);
    return rc;
}
