/* The fixture of the hub_serve tests (tests/unit/test_hub_serve*.c): a hub
 * store in a temp dir with synthetic users, a clinic, patients and items,
 * and a fake client that drives nx_hub_serve over a socketpair (the hub in
 * a thread), captures every byte the hub writes and decodes every frame
 * strictly. */
#ifndef TEST_HUB_SERVE_H
#define TEST_HUB_SERVE_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/hub.h"
#include "sync/proto.h"

#define HS_DEV_A "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define HS_DEV_B "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
#define HS_DEV_S "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"

/* Values of the synthetic patient and items, searched for in captures. */
#define HS_FAMILY "Quaxworth"
#define HS_MRN "MRN7777123"
#define HS_ICD "E11.9"
#define HS_NOTE "Zorblax-note-body-private"

extern nx_hub *hs_hub;
extern char hs_dir[4096];

/* A hub (production unless training) with clinic cl-1, patient pt-1,
 * users alice and bob (scheduling), erin (eligibility), pat (prior-auth),
 * sam (supervisor), all of team north, and zed (scheduling, team south). */
void hs_setup(int training);
/* hs_setup(0) plus olivia (privacy-officer), sid (security-officer) and ada
 * (auditor), team north. */
void hs_setup_officers(void);
void hs_teardown(void);

/* Items put straight into the store, with a revision. */
void hs_item(const char *id, const char *kind, const char *status, const char *assignee,
             const char *team);
void hs_field(const char *item, const char *field, const char *value);
void hs_note(const char *item, const char *body);
/* One integer / text from SQL on the hub (the store is idle). */
long long hs_count(const char *sql);
void hs_text(const char *sql, char *out, size_t outlen);
/* Takes hub migration 8 back out of the store (its item_rev columns,
 * indexes and triggers), for tests that make an older store. */
void hs_undo_hub_migration_8(void);

/* One frame received. */
typedef struct hs_frame {
    unsigned char *body;
    size_t len;
    nx_msg_type type;
} hs_frame;

typedef struct hs_conn {
    int fd;                      /* the client's end */
    int hub_fd;                  /* the hub's end */
    pthread_t th;
    nx_hub *h;
    char user[64];
    int rc;                      /* nx_hub_serve's return, after hs_close */
    int running;
    unsigned char *cap;          /* every byte the hub wrote */
    size_t caplen, capcap;
    hs_frame *fr;                /* frames received so far */
    size_t nfr, capfr;
    nx_wbuf out;                 /* frames to send */
} hs_conn;

/* The last END's cursor under tag (-1 when absent); *more its MORE. */
long long hs_end_cursor(hs_conn *c, int tag, int *more);

void hs_open(hs_conn *c, const char *user);
/* Frames for the next write. */
void hs_hello(hs_conn *c, const char *device, uint64_t cursor, int training);
void hs_op(hs_conn *c, const char *op_id, const char *kind, const char *item, const char *field,
           const char *value, const char *expect, const char *user, const char *device,
           uint64_t hlc);
void hs_pull(hs_conn *c, uint64_t cursor);
/* hs_open as user, HELLO from device at cursor 0, PULL, read to its END. */
void hs_first_pull(hs_conn *c, const char *user, const char *device);
void hs_audit(hs_conn *c, const char *device, uint64_t seq, const unsigned char prev[32],
              const unsigned char hash[32]);
/* Writes what is queued in one write. */
void hs_send(hs_conn *c);
void hs_send_raw(hs_conn *c, const void *p, size_t n);
/* Reads frames until one of type `until` (or ERROR, or EOF); returns the
 * index of the last frame read, -1 on EOF without it. Every frame must
 * decode strictly. */
int hs_read_until(hs_conn *c, nx_msg_type until);
/* Sends BYE (unless the hub already closed), joins the hub's thread. */
int hs_close(hs_conn *c);
void hs_free(hs_conn *c);

/* Decoded frame i (into m, valid while c lives). */
void hs_decode(hs_conn *c, size_t i, nx_msg *m);
/* The i-th frame of type t (from 0), or -1. */
int hs_find(hs_conn *c, nx_msg_type t, size_t nth);
/* Count of frames of type t. */
size_t hs_nframes(hs_conn *c, nx_msg_type t);
/* 1 when the capture holds the bytes of s. */
int hs_captured(const hs_conn *c, const char *s);
/* RESULT for op id: outcome into out (and reason), 1 found. */
int hs_result(hs_conn *c, const char *op_id, char *outcome, size_t outlen, char *reason,
              size_t reasonlen);
/* The ITEM frame for item id, or -1. */
int hs_item_frame(hs_conn *c, const char *item_id);
/* The value of KV/PKV `field` in ITEM frame i: 1 found. */
int hs_item_kv(hs_conn *c, size_t i, nx_tag tag, const char *field, char *out, size_t outlen);
/* END's cursor and count. */
void hs_end(hs_conn *c, uint64_t *cursor, uint64_t *count);
/* A fresh HLC near now (ms << 16) plus delta ms. */
uint64_t hs_hlc(int64_t delta_ms);

#endif
