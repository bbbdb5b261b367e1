/* A real hub and laptops syncing with it, for end-to-end tests
 * (hubfix.h). */
#include "tests/helpers/hubfix.h"
#include "tests/helpers/run.h"
#include "domain/dict.h"
#include "hub/hub.h"
#include "store/sync_store.h"
#include "sync/transport.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LAP_PASS "Pass-word-1"

int nx_hf_available(void)
{
    return access(nx_t_bin("nexus-hub"), X_OK) == 0;
}

int nx_hf_run(nx_hf *h, const char *const *args, char *out, size_t outlen, char *err,
              size_t errlen)
{
    const char *argv[40] = { h->bin };
    int n = 1;
    for (int i = 0; args[i] && n < 36; i++)
        argv[n++] = args[i];
    argv[n++] = "--store";
    argv[n++] = h->store;
    argv[n] = NULL;
    nx_t_result *r = calloc(1, sizeof *r);
    if (!r)
        return nx_err(err, errlen, "out of memory");
    int rc = 0;
    if (nx_t_run(argv, NULL, NULL, r) != 0)
        rc = nx_err(err, errlen, "nexus-hub %s: did not run", args[0]);
    else if (r->status != 0)
        rc = nx_err(err, errlen, "nexus-hub %s: exit %d: %.400s%.400s", args[0], r->status,
                    r->out, r->err);
    if (out)
        snprintf(out, outlen, "%s", r->out);
    free(r);
    return rc;
}

int nx_hf_init(nx_hf *h, const char *tag, char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    snprintf(h->bin, sizeof h->bin, "%s", nx_t_bin("nexus-hub"));
    nx_t_tmpdir(h->dir, sizeof h->dir, tag);
    if (!h->dir[0])
        return nx_err(err, errlen, "no temporary directory");
    snprintf(h->store, sizeof h->store, "%s/hub", h->dir);
    setenv("NEXUS_HUB", h->bin, 1);
    const char *init[] = { "init", NULL };
    const char *client[] = { "client", "add", "--id", "cl-1", "--name",
                             "Riverside Imaging (synthetic)", "--tz", "America/New_York", NULL };
    if (nx_hf_run(h, init, NULL, 0, err, errlen) != 0 ||
        nx_hf_run(h, client, NULL, 0, err, errlen) != 0)
        return -1;
    return 0;
}

static int write_file(const char *path, const char *text, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return nx_err(err, errlen, "%s: cannot write", path);
    fputs(text, f);
    return fclose(f) == 0 ? 0 : nx_err(err, errlen, "%s: cannot write", path);
}

int nx_hf_import(nx_hf *h, const char *jsonl, char *err, size_t errlen)
{
    char path[4300];
    static int seq;
    snprintf(path, sizeof path, "%s/import-%d.jsonl", h->dir, ++seq);
    if (write_file(path, jsonl, err, errlen) != 0)
        return -1;
    const char *args[] = { "import", path, NULL };
    return nx_hf_run(h, args, NULL, 0, err, errlen);
}

int nx_lap_open(nx_lap *l, nx_hf *h, const char *tag, const char *user, const char *role,
                const char *team, unsigned char device, int first, char *err, size_t errlen)
{
    memset(l, 0, sizeof *l);
    nx_t_tmpdir(l->dir, sizeof l->dir, tag);
    if (!l->dir[0])
        return nx_err(err, errlen, "no temporary directory");
    nx_conf_defaults(&l->conf);
    snprintf(l->conf.cache_dir, sizeof l->conf.cache_dir, "%s/profile", l->dir);
    snprintf(l->conf.sync_host, sizeof l->conf.sync_host, "local:%s", h->store);
    if (nx_profile_paths(&l->prof, &l->conf, err, errlen) != 0)
        return -1;
    nx_profile_info info = { 0 };
    snprintf(info.user, sizeof info.user, "%s", user);
    snprintf(info.role, sizeof info.role, "%s", role);
    snprintf(info.team, sizeof info.team, "%s", team);
    info.created = info.passphrase_set = nx_now();
    for (int i = 0; i < 16; i++)
        info.device_id[i] = (unsigned char)(device + i);
    if (nx_profile_create(&l->prof, LAP_PASS, strlen(LAP_PASS), NX_KDF_TEST_ONLY, &info, err,
                          errlen) != 0 ||
        nx_session_start(&l->sess, &l->prof, nx_dict_default(),
                         nx_t_root("assets/policy.txt"), err, errlen) != 0)
        return -1;
    if (first) {
        char pub[1024], path[4200];
        if (nx_sync_key_ensure(l->prof.store, err, errlen) != 0 ||
            nx_sync_key_public(l->prof.store, user, pub, sizeof pub, err, errlen) != 0)
            return -1;
        snprintf(path, sizeof path, "%s/%s.pub", l->dir, user);
        if (write_file(path, pub, err, errlen) != 0)
            return -1;
        const char *args[] = { "user", "add", "--user", user, "--role", role, "--team", team,
                               "--key", path, NULL };
        if (nx_hf_run(h, args, NULL, 0, err, errlen) != 0)
            return -1;
    }
    return nx_syncer_new(&l->prof, &l->conf, &l->y, err, errlen);
}

void nx_lap_close(nx_lap *l)
{
    nx_syncer_free(l->y);
    l->y = NULL;
    nx_session_end(&l->sess);
    nx_profile_close(&l->prof);
}

nx_sync_code nx_lap_sync(nx_lap *l, nx_sync_stats *st, char *err, size_t errlen)
{
    nx_sync_stats tmp;
    return nx_syncer_round(l->y, st ? st : &tmp, err, errlen);
}

long long nx_lap_n(nx_lap *l, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(nx_store_db(l->prof.store), sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

void nx_lap_text(nx_lap *l, const char *sql, char *out, size_t len)
{
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(nx_store_db(l->prof.store), sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* The first column of the first row of sql on the hub's store, as text
 * ("" when none) and as an integer (-1 when none). */
static long long hub_query(nx_hf *h, const char *sql, char *out, size_t len)
{
    nx_hub *hub = NULL;
    char err[512];
    if (out && len)
        out[0] = '\0';
    if (nx_hub_open(h->store, NULL, &hub, err, sizeof err) != 0)
        return -1;
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(nx_hub_db(hub), sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        v = sqlite3_column_int64(st, 0);
        if (out && len && sqlite3_column_text(st, 0))
            snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    nx_hub_close(hub);
    return v;
}

long long nx_hf_n(nx_hf *h, const char *sql)
{
    return hub_query(h, sql, NULL, 0);
}

void nx_hf_text(nx_hf *h, const char *sql, char *out, size_t len)
{
    hub_query(h, sql, out, len);
}
