/* Process hardening and guarded memory for keys and passphrases. */
#include "crypt/crypt.h"
#include "util/jsonz.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result = -1;

static void crypt_init_once(void)
{
    if (sodium_init() < 0)
        return;
    /* Before anything else reaches SQLite: its allocator is fixed at
     * sqlite3_initialize(). */
    if (nx_zalloc_install() != 0)
        return;
    /* jansson's blocks (record bodies, import lines) wiped on free too. */
    nx_json_init();
    /* A core file or a ptrace attach would carry keys and decrypted pages
     * out of guarded memory. */
    struct rlimit none = { 0, 0 };
    if (setrlimit(RLIMIT_CORE, &none) != 0)
        return;
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        return;
    init_result = 0;
}

int nx_crypt_init(void)
{
    pthread_once(&init_once, crypt_init_once);
    return init_result;
}

int nx_secret_alloc(nx_secret *s, size_t len)
{
    s->bytes = NULL;
    s->len = 0;
    if (sodium_init() < 0) {
        errno = ENOMEM;
        return -1;
    }
    /* sodium_malloc(0) is allowed but leaves nothing to point at. */
    unsigned char *p = sodium_malloc(len ? len : 1);
    if (!p) {
        errno = ENOMEM;
        return -1;
    }
    s->bytes = p;
    s->len = len;
    return 0;
}

void nx_secret_free(nx_secret *s)
{
    if (!s || !s->bytes)
        return;
    sodium_free(s->bytes);   /* zeroes before unmapping */
    s->bytes = NULL;
    s->len = 0;
}
