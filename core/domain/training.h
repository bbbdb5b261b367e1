/* core/domain/training — synthetic work items for TRAINING profiles, drawn
 * from the lists in assets/training (never real people). */
#ifndef NX_TRAINING_H
#define NX_TRAINING_H
#include <stddef.h>
#include "store/store.h"

/* Where assets live: $NEXUS_ASSETS, else the path compiled in. */
const char *nx_assets_dir(void);

/* Adds the training clients, patients and n work items assigned (mostly) to
 * user/team, in one transaction. A bad list gives "file:line: problem". */
int nx_training_seed(nx_store *s, const char *assets_dir, int n,
                     const char *user, const char *team, char *err, size_t errlen);

#endif
