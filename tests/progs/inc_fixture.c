/* tests/progs — inc_fixture: a real hub, an agent and a privacy officer
 * for the end-to-end run of incidents in a terminal
 * (tests/tui/e2e-incident-tmux.sh): both clients run in tmux; this
 * program only sets the scene and reads the hub.
 *
 *   inc_fixture setup DIR     a hub in DIR (nexus-hub beside this program,
 *                             or NX_TEST_BIN) with one ROI item (roi-7,
 *                             team north, assigned to carol) and two
 *                             laptops registered on it: carol (roi) and
 *                             pat (privacy-officer). Writes their
 *                             nexus.conf files: DIR/carol-offline.conf
 *                             (a hub that cannot be reached), DIR/carol.conf
 *                             and DIR/pat.conf (the hub; sync every 5 s),
 *                             and DIR/state. The passphrase is Pass-word-1.
 *   inc_fixture count DIR SQL one integer from SQL on the hub's store.
 *
 * Synthetic data only. Exit 1 with a message. */
#include "crypt/crypt.h"
#include "tests/helpers/hubfix.h"
#include "util/jsonz.h"
#include "util/util.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "inc_fixture: %s: %s\n", what, why);
    return 1;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static int conf(const char *dir, const char *name, const char *cache, const char *host)
{
    char path[4200], text[9000];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(text, sizeof text, "[cache]\ndir = %s\n[sync]\nhost = local:%s\n"
             "interval_seconds = 5\n", cache, host);
    return write_text(path, text);
}

static int setup(const char *dir)
{
    char err[2048] = "", path[4200], text[8400], nohub[4200];
    setenv("NX_TEST_TMP", dir, 1);
    nx_hf h;
    if (nx_hf_init(&h, "hub", err, sizeof err) != 0)
        return fail("hub", err);
    if (nx_hf_import(&h, "{\"id\":\"roi-7\",\"kind\":\"roi\",\"client\":\"cl-1\","
                         "\"patient\":{\"id\":\"pt-7\",\"family_name\":\"Inctest\","
                         "\"given_name\":\"Mae\",\"phone\":\"2175550166\"},"
                         "\"assignee\":\"carol\",\"team\":\"north\"}\n",
                     err, sizeof err) != 0)
        return fail("import", err);
    nx_lap carol, pat;
    if (nx_lap_open(&carol, &h, "carol", "carol", "roi", "north", 9, 1, err, sizeof err) != 0)
        return fail("carol", err);
    nx_sync_stats st;
    if (nx_lap_sync(&carol, &st, err, sizeof err) != NX_SYNC_OK)
        return fail("carol's first sync", err);
    if (nx_lap_open(&pat, &h, "pat", "pat", "privacy-officer", "compliance", 99, 1, err,
                    sizeof err) != 0)
        return fail("pat", err);
    snprintf(nohub, sizeof nohub, "%s/no-such-hub", dir);
    if (conf(dir, "carol-offline.conf", carol.conf.cache_dir, nohub) != 0 ||
        conf(dir, "carol.conf", carol.conf.cache_dir, h.store) != 0 ||
        conf(dir, "pat.conf", pat.conf.cache_dir, h.store) != 0)
        return fail(dir, "cannot write the nexus.conf files");
    snprintf(path, sizeof path, "%s/state", dir);
    snprintf(text, sizeof text, "%s\n", h.store);
    if (write_text(path, text) != 0)
        return fail(path, "cannot write");
    nx_lap_close(&carol);
    nx_lap_close(&pat);
    printf("hub %s: carol (roi) holds roi-7; pat (privacy-officer)\n", h.store);
    return 0;
}

static int count(const char *dir, const char *sql)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/state", dir);
    FILE *f = fopen(path, "r");
    nx_hf h;
    memset(&h, 0, sizeof h);
    if (!f || !fgets(h.store, sizeof h.store, f)) {
        if (f)
            fclose(f);
        return fail(dir, "no state: run setup first");
    }
    fclose(f);
    h.store[strcspn(h.store, "\n")] = '\0';
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
    if (argc == 3 && strcmp(argv[1], "setup") == 0)
        return setup(argv[2]);
    if (argc == 4 && strcmp(argv[1], "count") == 0)
        return count(argv[2], argv[3]);
    fprintf(stderr, "usage: inc_fixture setup DIR | count DIR SQL\n");
    return 2;
}
