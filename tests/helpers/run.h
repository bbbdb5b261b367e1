/* Test helper: run a program, feed stdin, capture output and status. */
#ifndef NX_TEST_RUN_H
#define NX_TEST_RUN_H
#include <stddef.h>

typedef struct {
    int status;        /* exit code, or 128+signal */
    char out[16384];
    char err[16384];
} nx_t_result;

/* argv[0] is a path. env: NULL-terminated "K=V" strings added to (and
 * overriding) the environment; may be NULL. input: written to stdin (NULL =
 * empty). Returns 0 if the program ran. */
int nx_t_run(const char *const argv[], const char *const env[], const char *input,
             nx_t_result *r);

/* $NX_TEST_BIN/name, $NX_ROOT/name, and a fresh directory under
 * $NX_TEST_TMP (or /tmp) for one test. */
const char *nx_t_bin(const char *name);
const char *nx_t_root(const char *name);
void nx_t_tmpdir(char *out, size_t len, const char *tag);

#endif
