/* Private to core/store. */
#ifndef NX_STORE_INT_H
#define NX_STORE_INT_H
#include "store/store.h"

struct nx_store {
    sqlite3 *db;
    nx_cryptvfs *vfs;
};

int  nx_store_migrate(nx_store *s, char *err, size_t errlen);
/* If the VFS saw tampering, replace err with the one-line integrity message. */
void nx_store_explain(nx_store *s, char *err, size_t errlen);

#endif
