/* Test helper: a fake nexus-hub on a socketpair (fakehub.h). */
#include "tests/helpers/fakehub.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- encoders ------------------------------------------------------------------- */

static void pairs(nx_wbuf *b, nx_tag tag, const char *const *kv, size_t arity)
{
    for (size_t i = 0; kv && kv[i]; i += arity)
        nx_msg_tuple(b, tag, kv + i, arity);
}

void nx_fh_encode_item(nx_wbuf *b, const nx_fh_item *it)
{
    nx_msg_begin(b, NX_MSG_ITEM);
    nx_msg_str(b, NX_TAG_ITEM, it->id);
    nx_msg_str(b, NX_TAG_KIND, it->kind ? it->kind : "eligibility");
    nx_msg_str(b, NX_TAG_CLIENT_ID, it->client ? it->client : "cl-1");
    nx_msg_str(b, NX_TAG_PATIENT_ID, it->patient ? it->patient : "pt-1");
    nx_msg_str(b, NX_TAG_STATUS, it->status ? it->status : "new");
    nx_msg_u64(b, NX_TAG_PRIORITY, (uint64_t)it->priority);
    nx_msg_str(b, NX_TAG_ASSIGNEE, it->assignee ? it->assignee : "alice");
    nx_msg_str(b, NX_TAG_TEAM, it->team ? it->team : "north");
    nx_msg_i64(b, NX_TAG_CREATED, it->created ? it->created : 1780000000);
    nx_msg_i64(b, NX_TAG_UPDATED, it->updated ? it->updated : 1780000000);
    if (it->due)
        nx_msg_i64(b, NX_TAG_DUE, it->due);
    if (it->follow_up)
        nx_msg_i64(b, NX_TAG_FOLLOW_UP, it->follow_up);
    if (it->closed)
        nx_msg_i64(b, NX_TAG_CLOSED, it->closed);
    if (it->linked)
        nx_msg_str(b, NX_TAG_LINKED, it->linked);
    pairs(b, NX_TAG_KV, it->kv, 2);
    pairs(b, NX_TAG_PKV, it->pkv, 2);
    pairs(b, NX_TAG_HIST, it->hist, 4);
    nx_msg_end(b);
}

void nx_fh_encode_client(nx_wbuf *b, const char *id, const char *name, const char *tz)
{
    nx_msg_begin(b, NX_MSG_CLIENT);
    nx_msg_str(b, NX_TAG_CLIENT_ID, id);
    nx_msg_str(b, NX_TAG_NAME, name);
    nx_msg_str(b, NX_TAG_TZ, tz);
    nx_msg_u64(b, NX_TAG_LEAD_HOURS, 48);
    nx_msg_end(b);
}

void nx_fh_encode_drop(nx_wbuf *b, const char *id)
{
    nx_msg_begin(b, NX_MSG_DROP);
    nx_msg_str(b, NX_TAG_ITEM, id);
    nx_msg_str(b, NX_TAG_REASON, "reassigned");
    nx_msg_end(b);
}

/* ---- the hub's state -------------------------------------------------------------- */

void nx_fh_init(nx_fakehub *h, const char *user, const char *role)
{
    memset(h, 0, sizeof *h);
    pthread_mutex_init(&h->mu, NULL);
    snprintf(h->user, sizeof h->user, "%s", user);
    snprintf(h->role, sizeof h->role, "%s", role);
    snprintf(h->team, sizeof h->team, "north");
    h->grace_hours = 24;
    h->keep_days = 14;
    h->time = 1780300900;
    h->hlc = NX_HLC_MAKE(1780300900000LL, 7);
}

void nx_fh_free(nx_fakehub *h)
{
    for (int i = 0; i < h->nthreads; i++)
        pthread_join(h->threads[i], NULL);
    for (size_t i = 0; i < h->nchanges; i++)
        nx_wbuf_free(&h->changes[i]);
    pthread_mutex_destroy(&h->mu);
}

static nx_wbuf *next_change(nx_fakehub *h)
{
    nx_wbuf *b = &h->changes[h->nchanges++];
    nx_wbuf_init(b);
    h->cursor++;
    return b;
}

void nx_fh_add_item(nx_fakehub *h, const nx_fh_item *it)
{
    nx_fh_encode_item(next_change(h), it);
}

void nx_fh_add_client(nx_fakehub *h, const char *id, const char *name, const char *tz)
{
    nx_fh_encode_client(next_change(h), id, name, tz);
}

void nx_fh_add_drop(nx_fakehub *h, const char *id)
{
    nx_fh_encode_drop(next_change(h), id);
}

const nx_fh_op *nx_fh_op_find(nx_fakehub *h, const char *id)
{
    for (size_t i = 0; i < h->nops; i++)
        if (strcmp(h->ops[i].id, id) == 0)
            return &h->ops[i];
    return NULL;
}

/* ---- one connection ---------------------------------------------------------------- */

typedef struct conn {
    nx_fakehub *h;
    int fd;
    int frames_out;
    int cut_after;
} conn;

static int read_all(int fd, void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len) {
        ssize_t n = read(fd, p, len);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes b's frames one by one, counting them against the cut. -1 = cut. */
static int send_frames(conn *c, const nx_wbuf *b)
{
    size_t off = 0;
    while (off + 4 <= b->len) {
        uint32_t n = (uint32_t)b->p[off] << 24 | (uint32_t)b->p[off + 1] << 16 |
                     (uint32_t)b->p[off + 2] << 8 | b->p[off + 3];
        if (c->cut_after && c->frames_out >= c->cut_after)
            return -1;
        if (write_all(c->fd, b->p + off, 4 + n) != 0)
            return -1;
        c->frames_out++;
        off += 4 + n;
    }
    return 0;
}

static void str_of(const nx_msg *m, nx_tag t, char *out, size_t len)
{
    out[0] = '\0';
    (void)nx_msg_get_str(m, t, out, len);
}

/* Records an OP and says what the hub answers: a duplicate repeats the
 * first outcome in REASON, as the real hub does. */
static const char *take_op(nx_fakehub *h, const nx_msg *m, char *id, size_t idlen,
                           const char **reason, char *dup_reason, size_t duplen)
{
    str_of(m, NX_TAG_OP_ID, id, idlen);
    *reason = NULL;
    pthread_mutex_lock(&h->mu);
    nx_fh_op *op = (nx_fh_op *)nx_fh_op_find(h, id);
    const char *outcome;
    if (op) {
        op->seen++;
        outcome = "duplicate";
        snprintf(dup_reason, duplen, "%s%s%s", op->outcome, op->reason[0] ? ": " : "",
                 op->reason);
        *reason = dup_reason;
    } else if (h->nops < NX_FH_MAX_OPS) {
        op = &h->ops[h->nops++];
        memset(op, 0, sizeof *op);
        snprintf(op->id, sizeof op->id, "%s", id);
        str_of(m, NX_TAG_OP_KIND, op->kind, sizeof op->kind);
        str_of(m, NX_TAG_ITEM, op->item, sizeof op->item);
        str_of(m, NX_TAG_FIELD, op->field, sizeof op->field);
        str_of(m, NX_TAG_EXPECT, op->expect, sizeof op->expect);
        str_of(m, NX_TAG_USER, op->user, sizeof op->user);
        str_of(m, NX_TAG_DEVICE, op->device, sizeof op->device);
        str_of(m, NX_TAG_VALUE, op->value, sizeof op->value);
        (void)nx_msg_get_u64(m, NX_TAG_HLC, &op->hlc);
        op->seen = 1;
        if (h->reject_field[0] && strcmp(op->field, h->reject_field) == 0) {
            outcome = "rejected";
            *reason = "refused by the test hub";
        } else if (h->conflict_expect[0] && strcmp(op->expect, h->conflict_expect) == 0) {
            outcome = "conflict";
        } else {
            op->applied = 1;
            outcome = "applied";
        }
    } else {
        outcome = "rejected";
        *reason = "test hub full";
    }
    if (op && op->seen == 1) {
        snprintf(op->outcome, sizeof op->outcome, "%s", outcome);
        const char *r = *reason ? *reason : "";
        size_t rn = strnlen(r, sizeof op->reason - 1);
        memcpy(op->reason, r, rn);
        op->reason[rn] = '\0';
    }
    pthread_mutex_unlock(&h->mu);
    return outcome;
}

static void take_audit(nx_fakehub *h, const nx_msg *m)
{
    uint64_t seq = 0;
    (void)nx_msg_get_u64(m, NX_TAG_SEQ, &seq);
    pthread_mutex_lock(&h->mu);
    h->audit_count++;
    if ((int64_t)seq <= h->audit_last)
        h->audit_dups++;
    else if ((int64_t)seq != h->audit_last + 1)
        h->audit_gaps++;
    if ((int64_t)seq > h->audit_last)
        h->audit_last = (int64_t)seq;
    pthread_mutex_unlock(&h->mu);
}

static void welcome(nx_fakehub *h, nx_wbuf *b)
{
    nx_msg_begin(b, NX_MSG_WELCOME);
    nx_msg_u64(b, NX_TAG_PROTO, NX_PROTO_VERSION);
    nx_msg_str(b, NX_TAG_VERSION, "fake-hub");
    nx_msg_str(b, NX_TAG_USER, h->user);
    nx_msg_str(b, NX_TAG_ROLE, h->role);
    nx_msg_str(b, NX_TAG_TEAM, h->team);
    nx_msg_i64(b, NX_TAG_TIME, h->time);
    nx_msg_u64(b, NX_TAG_HLC, h->hlc);
    nx_msg_u64(b, NX_TAG_GRACE_HOURS, (uint64_t)h->grace_hours);
    nx_msg_u64(b, NX_TAG_KEEP_DAYS, (uint64_t)h->keep_days);
    if (h->banner[0])
        nx_msg_str(b, NX_TAG_BANNER, h->banner);
    if (h->emergency)
        nx_msg_u64(b, NX_TAG_EMERGENCY, 1);
    if (h->revoked)
        nx_msg_u64(b, NX_TAG_REVOKED, 1);
    if (h->training)
        nx_msg_u64(b, NX_TAG_TRAINING, 1);
    nx_msg_end(b);
}

static void *serve(void *arg)
{
    conn *c = arg;
    nx_fakehub *h = c->h;
    nx_msg *m = malloc(sizeof *m);
    unsigned char *body = malloc(NX_FRAME_MAX);
    nx_wbuf out;
    nx_wbuf_init(&out);
    char err[256];
    int done = !m || !body;
    while (!done) {
        int hello = 0;
        uint64_t cursor = 0;
        nx_wbuf_reset(&out);
        nx_wbuf results;
        nx_wbuf_init(&results);
        for (;;) {
            unsigned char hdr[4];
            uint32_t len;
            if (read_all(c->fd, hdr, 4) || nx_frame_len(hdr, &len, err, sizeof err) ||
                read_all(c->fd, body, len) || nx_msg_decode(body, len, m, err, sizeof err)) {
                done = 1;
                break;
            }
            if (m->type == NX_MSG_HELLO) {
                hello = 1;
                pthread_mutex_lock(&h->mu);
                h->hellos++;
                (void)nx_msg_get_u64(m, NX_TAG_CURSOR, &h->hello_cursor);
                uint64_t t = 0;
                h->hello_training = nx_msg_get_u64(m, NX_TAG_TRAINING, &t) == 1 && t;
                str_of(m, NX_TAG_DEVICE, h->hello_device, sizeof h->hello_device);
                pthread_mutex_unlock(&h->mu);
            } else if (m->type == NX_MSG_OP) {
                char id[64], dup[192];
                const char *reason;
                const char *outcome = take_op(h, m, id, sizeof id, &reason, dup, sizeof dup);
                nx_msg_begin(&results, NX_MSG_RESULT);
                nx_msg_str(&results, NX_TAG_OP_ID, id);
                nx_msg_str(&results, NX_TAG_OUTCOME, outcome);
                if (reason)
                    nx_msg_str(&results, NX_TAG_REASON, reason);
                nx_msg_end(&results);
            } else if (m->type == NX_MSG_AUDIT) {
                take_audit(h, m);
            } else if (m->type == NX_MSG_PULL) {
                (void)nx_msg_get_u64(m, NX_TAG_CURSOR, &cursor);
                break;
            } else if (m->type == NX_MSG_DESTROYED) {
                pthread_mutex_lock(&h->mu);
                h->destroyed++;
                pthread_mutex_unlock(&h->mu);
            } else if (m->type == NX_MSG_BYE) {
                pthread_mutex_lock(&h->mu);
                h->byes++;
                pthread_mutex_unlock(&h->mu);
                done = 1;
                break;
            }
        }
        if (done) {
            nx_wbuf_free(&results);
            break;
        }
        pthread_mutex_lock(&h->mu);
        int error = h->error_once;
        h->error_once = 0;
        pthread_mutex_unlock(&h->mu);
        if (error) {
            nx_wbuf_free(&results);
            nx_msg_begin(&out, NX_MSG_ERROR);
            nx_msg_str(&out, NX_TAG_MESSAGE, "session ended by the hub");
            nx_msg_end(&out);
            (void)send_frames(c, &out);
            break;
        }
        pthread_mutex_lock(&h->mu);
        h->pulls++;
        h->last_pull_cursor = cursor;
        if (hello)
            welcome(h, &out);
        pthread_mutex_unlock(&h->mu);
        int cut = send_frames(c, &out) != 0 || send_frames(c, &results) != 0;
        nx_wbuf_free(&results);
        uint64_t count = 0;
        for (size_t i = (size_t)cursor; !cut && i < h->nchanges; i++, count++)
            cut = send_frames(c, &h->changes[i]) != 0;
        if (!cut) {
            nx_wbuf_reset(&out);
            nx_msg_begin(&out, NX_MSG_END);
            nx_msg_u64(&out, NX_TAG_CURSOR, h->cursor > cursor ? h->cursor : cursor);
            nx_msg_i64(&out, NX_TAG_TIME, h->time);
            nx_msg_u64(&out, NX_TAG_HLC, h->hlc);
            nx_msg_u64(&out, NX_TAG_COUNT, count);
            nx_msg_end(&out);
            cut = send_frames(c, &out) != 0;
        }
        if (cut || h->close_after_end)
            break;
    }
    shutdown(c->fd, SHUT_RDWR);
    close(c->fd);
    nx_wbuf_free(&out);
    free(body);
    free(m);
    free(c);
    return NULL;
}

/* ---- the client's end -------------------------------------------------------------- */

typedef struct client_end {
    int fd;
} client_end;

static int c_write(void *ctx, const void *buf, size_t len, char *err, size_t errlen)
{
    client_end *e = ctx;
    if (write_all(e->fd, buf, len) != 0) {
        snprintf(err, errlen, "connection to the test hub lost");
        return -1;
    }
    return 0;
}

static int c_read(void *ctx, void *buf, size_t len, char *err, size_t errlen)
{
    client_end *e = ctx;
    unsigned char *p = buf;
    while (len) {
        struct pollfd pfd = { e->fd, POLLIN, 0 };
        if (poll(&pfd, 1, 10000) <= 0) {
            snprintf(err, errlen, "the test hub did not answer");
            return -1;
        }
        ssize_t n = read(e->fd, p, len);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            snprintf(err, errlen, "the test hub closed the connection");
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int c_dead(void *ctx)
{
    client_end *e = ctx;
    struct pollfd pfd = { e->fd, POLLIN, 0 };
    if (poll(&pfd, 1, 0) <= 0)
        return 0;
    char b;
    return recv(e->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
}

static void c_close(void *ctx)
{
    client_end *e = ctx;
    close(e->fd);
    free(e);
}

nx_sync_code nx_fh_connect(void *arg, nx_syncer *y, nx_sync_io *io, char *err, size_t errlen)
{
    (void)y;
    nx_fakehub *h = arg;
    int sv[2];
    if (h->nthreads >= 64 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(err, errlen, "test hub: cannot connect");
        return NX_SYNC_UNREACHABLE;
    }
    conn *c = calloc(1, sizeof *c);
    client_end *e = calloc(1, sizeof *e);
    if (!c || !e) {
        free(c);
        free(e);
        close(sv[0]);
        close(sv[1]);
        snprintf(err, errlen, "out of memory");
        return NX_SYNC_ERROR;
    }
    c->h = h;
    c->fd = sv[1];
    pthread_mutex_lock(&h->mu);
    c->cut_after = h->cut_after;
    h->cut_after = 0;
    h->connections++;
    pthread_mutex_unlock(&h->mu);
    e->fd = sv[0];
    if (pthread_create(&h->threads[h->nthreads], NULL, serve, c) != 0) {
        free(c);
        free(e);
        close(sv[0]);
        close(sv[1]);
        snprintf(err, errlen, "test hub: no thread");
        return NX_SYNC_ERROR;
    }
    h->nthreads++;
    *io = (nx_sync_io){ e, c_write, c_read, c_dead, c_close };
    return NX_SYNC_OK;
}
