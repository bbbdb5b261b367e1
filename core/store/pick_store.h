/* core/store/pick_store — what a new item is made from: the clients in
 * the cache and their patients, read for the new-item form's pick lists
 * (core/session/session_new.c). The store knows columns, not roles: the
 * session masks the names before a screen sees them and decides which may
 * be searched. Values are borrowed for the duration of one callback. */
#ifndef NX_PICK_STORE_H
#define NX_PICK_STORE_H

#include "store/store.h"

/* Every client: cb(ctx, id, name), by name then id. A non-zero return
 * from cb stops the walk and is returned; -1 on a store error. */
typedef int (*nx_pick_client_cb)(void *ctx, const char *id, const char *name);
int nx_pick_clients(nx_store *s, nx_pick_client_cb cb, void *ctx);

/* One patient as a pick list shows it. */
typedef struct nx_pick_patient {
    const char *id, *client_id, *family, *given, *dob, *mrn;
} nx_pick_patient;
typedef int (*nx_pick_patient_cb)(void *ctx, const nx_pick_patient *p);

/* The patients of client_id, by family then given name then id (as
 * stored, byte order): cb for each, stopped by a non-zero return (given
 * back); -1 on a store error. */
int nx_pick_patients(nx_store *s, const char *client_id, nx_pick_patient_cb cb, void *ctx);
/* Patient id: cb once if there is one (its return is ignored). 1 found,
 * 0 none, -1 error. */
int nx_pick_patient_get(nx_store *s, const char *id, nx_pick_patient_cb cb, void *ctx);

#endif
