/* libFuzzer harness for nexus-hub's import parser and validator
 * (hub/import.c). Every input is read as an import file: first parsed and
 * validated without a store (nx_hub_import_buffer with no hub), which must
 * never crash and, when it refuses, must say why in one printable line that
 * starts with the file name and line ("fuzz:LINE: ..."). An input that
 * validates is then imported for real into a throw-away hub store (client
 * "cl-test" exists), which exercises the write path and the all-or-nothing
 * rollback; afterwards the store's item count must be its old count plus
 * what was imported, or unchanged on a refusal.
 *
 *   make build/fuzz/fuzz_import
 *   build/fuzz/fuzz_import -runs=0 tests/fuzz/corpus/import   (the corpus once)
 *   make fuzz FUZZ_SECONDS=60                                  (search further) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypt/crypt.h"
#include "hub/hub.h"
#include "store/rows.h"

#define CHECK(c)                                                                  \
    do {                                                                          \
        if (!(c)) {                                                               \
            fprintf(stderr, "fuzz_import: check failed: %s (line %d)\n", #c, __LINE__); \
            abort();                                                              \
        }                                                                         \
    } while (0)

static nx_hub *hub;
static char dir[256];

static void cleanup(void)
{
    char cmd[600];
    nx_hub_close(hub);
    hub = NULL;
    if (dir[0]) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "fuzz_import: could not remove %s\n", dir);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    CHECK(nx_crypt_init() == 0);
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/fuzz-import.XXXXXX", t && *t ? t : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    char store[300], err[NX_HUB_ERR_MAX];
    snprintf(store, sizeof store, "%s/store", dir);
    CHECK(nx_hub_init(store, NULL, 1, err, sizeof err) == 0);
    CHECK(nx_hub_open(store, NULL, &hub, err, sizeof err) == 0);
    nx_hub_client_spec c = { .id = "cl-test", .name = "Fuzz Clinic", .tz = "America/New_York" };
    CHECK(nx_hub_client_add(hub, &c, err, sizeof err) == 0);
    atexit(cleanup);
    return 0;
}

static void check_message(const char *err)
{
    CHECK(strncmp(err, "fuzz:", 5) == 0);
    for (const char *p = err; *p; p++)
        CHECK(*p >= 0x20 && *p < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[NX_HUB_ERR_MAX] = "";
    int64_t n = -1;
    int rc = nx_hub_import_buffer(NULL, "fuzz", (const char *)data, size, &n, err, sizeof err);
    if (rc != 0) {
        CHECK(n == 0);
        check_message(err);
        return 0;
    }
    CHECK(n >= 0);
    int64_t before = nx_store_count(nx_hub_store(hub), "items");
    int64_t m = -1;
    rc = nx_hub_import_buffer(hub, "fuzz", (const char *)data, size, &m, err, sizeof err);
    int64_t after = nx_store_count(nx_hub_store(hub), "items");
    if (rc == 0)
        CHECK(m == n && after == before + n);
    else {
        check_message(err);
        CHECK(m == 0 && after == before);
    }
    return 0;
}
