/* Test helper: a real hub (`nexus-hub` beside the tests, over the local:
 * pipe transport) and laptops that sync with it — for end-to-end tests of
 * what several users do through the hub (oversight records, QA, the
 * supervisor's writes). No Criterion here: each function returns 0, or
 * -1 with err filled, for the test to assert. */
#ifndef NX_TEST_HUBFIX_H
#define NX_TEST_HUBFIX_H
#include <stddef.h>
#include <stdint.h>
#include "profile/profile.h"
#include "session/session.h"
#include "sync/sync.h"

typedef struct nx_hf {
    char bin[4200];      /* nexus-hub */
    char dir[4096];      /* the test's directory */
    char store[4200];    /* the hub's store: dir/hub */
} nx_hf;

typedef struct nx_lap {
    char dir[4096];
    nx_conf conf;
    nx_profile prof;
    nx_session sess;
    nx_syncer *y;
} nx_lap;

/* 1 when nexus-hub is beside the tests (else the test should skip). */
int nx_hf_available(void);
/* A new hub in a fresh directory (tag names it) with one clinic, cl-1
 * (America/New_York); sets NEXUS_HUB for the local: transport. */
int nx_hf_init(nx_hf *h, const char *tag, char *err, size_t errlen);
/* Runs nexus-hub with args (NULL-terminated) and --store. out (may be
 * NULL) gets its stdout. 0 when it exited 0. */
int nx_hf_run(nx_hf *h, const char *const *args, char *out, size_t outlen, char *err,
              size_t errlen);
/* Imports JSON Lines text into the hub. */
int nx_hf_import(nx_hf *h, const char *jsonl, char *err, size_t errlen);

/* A laptop of user/role/team syncing with h (its own device id from
 * `device`), a session started on it; first = register the user on the
 * hub with this laptop's key. */
int nx_lap_open(nx_lap *l, nx_hf *h, const char *tag, const char *user, const char *role,
                const char *team, unsigned char device, int first, char *err, size_t errlen);
void nx_lap_close(nx_lap *l);
/* One sync round: NX_SYNC_OK or the code (err says why). */
nx_sync_code nx_lap_sync(nx_lap *l, nx_sync_stats *st, char *err, size_t errlen);
/* One integer of a SELECT on the laptop's cache (-1 on error / no row),
 * the text of one column ("" when none). */
long long nx_lap_n(nx_lap *l, const char *sql);
void nx_lap_text(nx_lap *l, const char *sql, char *out, size_t len);
/* The same on the hub's store (opened and closed around the query). */
long long nx_hf_n(nx_hf *h, const char *sql);
void nx_hf_text(nx_hf *h, const char *sql, char *out, size_t len);

#endif
