/* core/session/training — synthetic work items for TRAINING profiles, drawn
 * from the lists in assets/training (never real people), with the fields a
 * real item of each kind would have at its status, and a `create` audit
 * event for each, written in the same transaction. */
#ifndef NX_TRAINING_H
#define NX_TRAINING_H
#include <stddef.h>
#include "profile/profile.h"

/* Where assets live: $NEXUS_ASSETS, else the path compiled in. */
const char *nx_assets_dir(void);

/* Adds the training clients, patients and n work items assigned (mostly) to
 * user/team, in one transaction. A bad list gives "file: problem". */
int nx_training_seed(nx_profile *p, const char *assets_dir, int n,
                     const char *user, const char *team, char *err, size_t errlen);

#endif
