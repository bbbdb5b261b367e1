/* tests/progs — qa_fixture: a real hub, an agent and a supervisor for the
 * end-to-end runs of live QA review (tests/tui/e2e-qa-tmux.sh): the
 * supervisor's client runs in a terminal while this program plays the
 * agent, whose finished work the hub samples as it arrives.
 *
 *   qa_fixture setup DIR N    a hub in DIR (nexus-hub beside this program,
 *                             or NX_TEST_BIN), N scheduling items of team
 *                             north assigned to alice, a QA seed for this
 *                             week and the next under which some of them
 *                             are sampled (printed, one id a line, in
 *                             DIR/sampled.txt), and two laptops registered
 *                             on the hub: alice (scheduling) and sam
 *                             (supervisor). Writes DIR/sam.conf (the
 *                             supervisor's nexus.conf: syncs every 5 s)
 *                             and DIR/state. The laptops' passphrase is
 *                             Pass-word-1.
 *   qa_fixture complete DIR   alice syncs, completes every item she holds
 *                             and syncs again: the hub decides each.
 *   qa_fixture count DIR SQL  one integer from SQL on the hub's store.
 *
 * Synthetic data only. Prints what it did; exit 1 with a message. */
#include "domain/qa.h"
#include "hub/hub.h"
#include "session/session.h"
#include "sync/sync.h"
#include "tests/helpers/hubfix.h"
#include "tests/helpers/run.h"
#include "util/jsonz.h"
#include "util/util.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PASS "Pass-word-1"

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "qa_fixture: %s: %s\n", what, why);
    return 1;
}

static void item_id(int i, char *out, size_t len)
{
    snprintf(out, len, "qa-%03d", i);
}

/* A seed under which 2 to 4 of the n items are in at the scheduling
 * rate, put in place for this week and the next. */
static int put_seed(nx_hf *h, int n, char *sampled, size_t len)
{
    const nx_qa_rule *r = nx_qa_rule_find("scheduling");
    unsigned char seed[32];
    int in = 0;
    for (int b = 0; b < 256; b++) {
        memset(seed, b, sizeof seed);
        in = 0;
        for (int i = 0; i < n; i++) {
            char id[16];
            item_id(i, id, sizeof id);
            in += nx_qa_decide(seed, id, r->rate_ppm);
        }
        if (in >= 2 && in <= 4)
            break;
    }
    if (in < 2 || in > 4)
        return -1;
    sampled[0] = '\0';
    for (int i = 0; i < n; i++) {
        char id[16];
        item_id(i, id, sizeof id);
        if (nx_qa_decide(seed, id, r->rate_ppm)) {
            strncat(sampled, id, len - strlen(sampled) - 1);
            strncat(sampled, "\n", len - strlen(sampled) - 1);
        }
    }
    char period[16], next[16], hex[65], sql[512];
    int64_t start, end;
    if (nx_qa_period_of(r, nx_now(), period, sizeof period) != 0 ||
        nx_qa_period_bounds(r, period, &start, &end) != 0 ||
        nx_qa_period_of(r, end, next, sizeof next) != 0)
        return -1;
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", seed[i]);
    const char *ps[] = { period, next };
    for (int i = 0; i < 2; i++) {
        snprintf(sql, sizeof sql, "INSERT INTO qa_seeds(rule, period, seed, created) "
                 "VALUES('scheduling', '%s', X'%s', 0)", ps[i], hex);
        nx_hf_n(h, sql);
    }
    return nx_hf_n(h, "SELECT count(*) FROM qa_seeds WHERE rule='scheduling'") == 2 ? 0 : -1;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static int setup(const char *dir, int n)
{
    char err[2048] = "", path[4200], text[16384];
    setenv("NX_TEST_TMP", dir, 1);
    nx_hf h;
    if (nx_hf_init(&h, "hub", err, sizeof err) != 0)
        return fail("hub", err);
    static char jsonl[512 * 200];
    jsonl[0] = '\0';
    for (int i = 0; i < n && i < 500; i++) {
        char id[16], line[400];
        item_id(i, id, sizeof id);
        snprintf(line, sizeof line,
                 "{\"id\":\"%s\",\"kind\":\"scheduling\",\"client\":\"cl-1\",\"status\":"
                 "\"in-progress\",\"patient\":{\"id\":\"pt-%03d\",\"family_name\":\"Qatest\","
                 "\"given_name\":\"Liv\",\"phone\":\"2175550177\"},\"assignee\":\"alice\","
                 "\"team\":\"north\"}\n", id, i);
        if (strlen(jsonl) + strlen(line) >= sizeof jsonl)
            break;
        strcat(jsonl, line);
    }
    if (nx_hf_import(&h, jsonl, err, sizeof err) != 0)
        return fail("import", err);
    char sampled[4096];
    if (put_seed(&h, n, sampled, sizeof sampled) != 0)
        return fail("seed", "no seed samples 2 to 4 of the items");
    nx_lap alice, sam;
    if (nx_lap_open(&alice, &h, "alice", "alice", "scheduling", "north", 7, 1, err,
                    sizeof err) != 0)
        return fail("alice", err);
    if (nx_lap_open(&sam, &h, "sam", "sam", "supervisor", "north", 77, 1, err, sizeof err) != 0)
        return fail("sam", err);
    snprintf(path, sizeof path, "%s/sam.conf", dir);
    snprintf(text, sizeof text, "[cache]\ndir = %s\n[sync]\nhost = local:%s\n"
             "interval_seconds = 5\n", sam.conf.cache_dir, h.store);
    if (write_text(path, text) != 0)
        return fail(path, "cannot write");
    snprintf(path, sizeof path, "%s/state", dir);
    snprintf(text, sizeof text, "%s\n%s\n%s\n%d\n", h.store, alice.conf.cache_dir, h.bin, n);
    if (write_text(path, text) != 0)
        return fail(path, "cannot write");
    snprintf(path, sizeof path, "%s/sampled.txt", dir);
    if (write_text(path, sampled) != 0)
        return fail(path, "cannot write");
    nx_lap_close(&alice);
    nx_lap_close(&sam);
    fputs(sampled, stdout);
    return 0;
}

/* Reads DIR/state: the hub's store, alice's profile dir, nexus-hub, and
 * how many items there are (*n, may be NULL). */
static int state(const char *dir, char *store, char *alice, char *bin, size_t len, int *n)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/state", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *lines[] = { store, alice, bin };
    int ok = 1;
    for (int i = 0; i < 3; i++) {
        if (!fgets(lines[i], (int)len, f)) {
            ok = 0;
            break;
        }
        lines[i][strcspn(lines[i], "\n")] = '\0';
    }
    char num[32] = "0";
    if (ok && n)
        *n = fgets(num, sizeof num, f) ? atoi(num) : 0;
    fclose(f);
    return ok ? 0 : -1;
}

static int complete(const char *dir)
{
    char store[4096], cache[4096], bin[4096], err[2048] = "";
    int n = 0;
    if (state(dir, store, cache, bin, sizeof store, &n) != 0)
        return fail(dir, "no state: run setup first");
    setenv("NEXUS_HUB", bin, 1);
    nx_conf c;
    nx_conf_defaults(&c);
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s", cache);
    snprintf(c.sync_host, sizeof c.sync_host, "local:%s", store);
    nx_profile p;
    nx_session s;
    memset(&s, 0, sizeof s);
    nx_syncer *y = NULL;
    if (nx_profile_paths(&p, &c, err, sizeof err) != 0 ||
        nx_profile_open(&p, PASS, strlen(PASS), err, sizeof err) != 0)
        return fail("alice", err);
    int rc = 1;
    if (nx_session_start(&s, &p, nx_dict_default(), NULL, err, sizeof err) != 0 ||
        nx_syncer_new(&p, &c, &y, err, sizeof err) != 0) {
        fail("alice", err);
        goto out;
    }
    nx_sync_stats st;
    if (nx_syncer_round(y, &st, err, sizeof err) != NX_SYNC_OK) {
        fail("sync", err);
        goto out;
    }
    int done = 0;
    for (int i = 0; i < n; i++) {
        nx_item it;
        char id[16];
        item_id(i, id, sizeof id);
        if (nx_session_open(&s, id, &it, err, sizeof err) != 0)
            continue;
        if (strcmp(it.status, "in-progress") == 0 &&
            nx_session_transition(&s, &it, "closed", NULL, err, sizeof err) == 0)
            done++;
        nx_item_free(&it);
    }
    if (nx_syncer_round(y, &st, err, sizeof err) != NX_SYNC_OK) {
        fail("sync", err);
        goto out;
    }
    printf("alice completed %d items; the hub applied %llu\n", done,
           (unsigned long long)st.applied);
    rc = 0;
out:
    nx_syncer_free(y);
    if (s.policy)
        nx_session_end(&s);
    nx_profile_close(&p);
    return rc;
}

static int count(const char *dir, const char *sql)
{
    char store[4096], cache[4096], bin[4096];
    if (state(dir, store, cache, bin, sizeof store, NULL) != 0)
        return fail(dir, "no state: run setup first");
    nx_hf h;
    memset(&h, 0, sizeof h);
    snprintf(h.store, sizeof h.store, "%s", store);
    printf("%lld\n", nx_hf_n(&h, sql));
    return 0;
}

int main(int argc, char **argv)
{
    if (nx_crypt_init() != 0)
        return fail("crypto", "cannot initialise");
    nx_json_init();
    if (!getenv("NX_TEST_BIN")) {
        /* nexus-hub is one directory up from progs/ */
        static char self[4096], up[4096];
        ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
        if (k > 0) {
            self[k] = '\0';
            snprintf(up, sizeof up, "%s", dirname(dirname(self)));
            setenv("NX_TEST_BIN", up, 1);
        }
    }
    if (argc == 4 && strcmp(argv[1], "setup") == 0)
        return setup(argv[2], atoi(argv[3]));
    if (argc == 3 && strcmp(argv[1], "complete") == 0)
        return complete(argv[2]);
    if (argc == 4 && strcmp(argv[1], "count") == 0)
        return count(argv[2], argv[3]);
    return fail("usage", "qa_fixture setup DIR N | complete DIR | count DIR SQL");
}
