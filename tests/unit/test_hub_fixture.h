/* Shared by the hub's unit tests (test_hub_*.c): a fresh hub store in a
 * temp dir, synthetic public keys, a client, and a small import file. */
#ifndef NX_TEST_HUB_FIXTURE_H
#define NX_TEST_HUB_FIXTURE_H
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "crypt/crypt.h"
#include "hub/hub.h"
#include "tests/helpers/run.h"

/* Throw-away keys made with ssh-keygen for these tests. */
#define HUBT_KEY1 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBW1L9qsCkYGOe5L2tRVU/lKMUm+zdwVkheboDs8Xoq0"
#define HUBT_KEY2 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHl38cSb+sN7mcsHsOGdq6wMFjas2Hs3l1iF5FfXHtzp"

typedef struct {
    char base[4096], dir[4200], key[4300];
    nx_hub *h;
    char err[NX_HUB_ERR_MAX];
} hubt;

static inline void hubt_init(hubt *t, const char *tag, int training)
{
    memset(t, 0, sizeof *t);
    cr_assert_eq(nx_crypt_init(), 0);
    nx_t_tmpdir(t->base, sizeof t->base, tag);
    snprintf(t->dir, sizeof t->dir, "%s/store", t->base);
    snprintf(t->key, sizeof t->key, "%s/store.key", t->base);
    cr_assert_eq(nx_hub_init(t->dir, NULL, training, t->err, sizeof t->err), 0, "%s", t->err);
    cr_assert_eq(nx_hub_open(t->dir, NULL, &t->h, t->err, sizeof t->err), 0, "%s", t->err);
}

static inline void hubt_done(hubt *t)
{
    nx_hub_close(t->h);
    t->h = NULL;
}

static inline void hubt_client(hubt *t, const char *id)
{
    nx_hub_client_spec c = { .id = id, .name = "Synthetic Clinic", .tz = "America/New_York" };
    cr_assert_eq(nx_hub_client_add(t->h, &c, t->err, sizeof t->err), 0, "%s", t->err);
}

static inline void hubt_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* One valid line per kind (synthetic values that pass the validators). */
#define HUBT_LINE_SCHED \
    "{\"id\":\"it-s1\",\"kind\":\"scheduling\",\"client\":\"cl-test\",\"patient\":{\"id\":\"pt-1\"," \
    "\"family_name\":\"Synthetic\",\"given_name\":\"Sample\",\"dob\":\"1970-01-02\"," \
    "\"phone\":\"2175550101\"},\"priority\":\"urgent\",\"assignee\":\"alice\",\"team\":\"t1\"," \
    "\"due\":\"2030-01-02 09:30\",\"fields\":{\"visit_type\":\"follow-up\"}}"
#define HUBT_LINE_ELIG \
    "{\"id\":\"it-e1\",\"kind\":\"eligibility\",\"client\":\"cl-test\",\"patient\":{\"id\":\"pt-1\"," \
    "\"family_name\":\"Synthetic\",\"given_name\":\"Sample\",\"member_id\":\"ZX123456789\"," \
    "\"payer\":\"Example Mutual\"},\"team\":\"t1\",\"due\":1893456000," \
    "\"fields\":{\"cpt_codes\":\"99213\",\"icd_codes\":\"E11.9\",\"service_date\":\"2030-01-05\"}}"
#define HUBT_LINE_PA \
    "{\"id\":\"it-p1\",\"kind\":\"prior-auth\",\"client\":\"cl-test\",\"patient\":{\"id\":\"pt-2\"," \
    "\"family_name\":\"Fakey\",\"given_name\":\"Mock\"},\"status\":\"draft\",\"team\":\"t1\"," \
    "\"fields\":{\"dx_codes\":\"G47.33\",\"procedure_codes\":\"70551\",\"units\":\"2\",\"dme\":\"no\"}," \
    "\"notes\":[{\"at\":1767225600,\"author\":\"alice\",\"body\":\"Called the payer.\"}]}"
#define HUBT_LINE_ROI \
    "{\"id\":\"it-r1\",\"kind\":\"roi\",\"client\":\"cl-test\",\"patient\":{\"id\":\"pt-2\"," \
    "\"family_name\":\"Fakey\",\"given_name\":\"Mock\"},\"team\":\"t2\"," \
    "\"fields\":{\"auth_ref\":\"AUTH-000001\",\"holder_type\":\"hospital\"}}"

#endif
