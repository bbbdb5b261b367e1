/* core/domain/dict — the field dictionary: every field of every work-item
 * kind described once, as data (VistA FileMan's data dictionary is the
 * model). Forms, validation, masking, sync ops and the import all read it;
 * nothing is written once per kind.
 *
 * A dictionary is a value (nx_dict) rather than a global table so a test can
 * build one with an extra field and see it validated, masked and laid out
 * with no other code change. nx_dict_default() is the product's. */
#ifndef NX_DICT_H
#define NX_DICT_H

#include <stddef.h>
#include "domain/validate.h"

/* Work-item kinds (bit positions in nx_field_def.kinds). */
typedef enum {
    NX_KIND_SCHEDULING, NX_KIND_ELIGIBILITY, NX_KIND_PRIOR_AUTH, NX_KIND_ROI,
    NX_KIND_COUNT
} nx_kind;
#define NX_KIND_BIT(k) (1u << (k))
#define NX_KINDS_ALL ((1u << NX_KIND_COUNT) - 1)
const char *nx_kind_name(nx_kind k);          /* "scheduling", "eligibility", "prior-auth", "roi" */
int nx_kind_parse(const char *name);          /* -1 if unknown */

typedef enum {
    NX_FT_TEXT,       /* one line, max_len */
    NX_FT_LONGTEXT,   /* several lines (plan limits, descriptions) */
    NX_FT_CODE,       /* one code checked by norm (NPI, CPT, ...) */
    NX_FT_CODELIST,   /* comma-separated codes, each checked by norm */
    NX_FT_DATE,       /* YYYY-MM-DD */
    NX_FT_DATETIME,   /* YYYY-MM-DD HH:MM in the client's time zone */
    NX_FT_INT,        /* whole number, min..max */
    NX_FT_MONEY,      /* dollars and cents: 1234.56 */
    NX_FT_PERCENT,    /* 0-100 */
    NX_FT_BOOL,       /* yes / no: checklist steps */
    NX_FT_CHOICE,     /* one of choices[] */
} nx_field_type;

/* What kind of information a field holds: which of the 18 HIPAA
 * identifiers (seed 004 §5 lists the 16 a limited data set removes), or
 * clinical content, or nothing about the patient. The policy can rule on a
 * whole class, so a new field is masked correctly by its class alone. */
typedef enum {
    NX_PHI_NONE,
    NX_PHI_NAME, NX_PHI_ADDRESS, NX_PHI_DATE, NX_PHI_PHONE, NX_PHI_FAX,
    NX_PHI_EMAIL, NX_PHI_SSN, NX_PHI_MRN, NX_PHI_PLAN_ID, NX_PHI_ACCOUNT,
    NX_PHI_LICENSE, NX_PHI_VEHICLE, NX_PHI_DEVICE, NX_PHI_URL, NX_PHI_IP,
    NX_PHI_BIOMETRIC, NX_PHI_PHOTO,
    NX_PHI_CLINICAL,  /* diagnoses, procedures, clinical notes */
    NX_PHI_COUNT
} nx_phi_class;
const char *nx_phi_name(nx_phi_class c);      /* "name", "address", ..., "clinical", "none" */
int nx_phi_parse(const char *name);

/* Where the value lives in the store. */
typedef enum {
    NX_AT_ITEM,       /* a column of items (common fields) */
    NX_AT_PATIENT,    /* a column of patients: shared by every item of the patient */
    NX_AT_FIELD,      /* item_fields (kind-specific) */
    NX_AT_NOTES,      /* the item's append-only notes table: listed in the
                       * dictionary only so the policy can rule on notes
                       * (one pseudo-field, "notes"); never a column */
} nx_field_home;

typedef struct nx_field_def {
    const char *id;            /* stable: used in policy, ops, import, audit */
    const char *label;         /* as the form shows it */
    nx_field_type type;
    nx_normalizer norm;        /* CODE / CODELIST (and PHONE-like TEXT): NULL = none */
    const char *const *choices;/* CHOICE: NULL-terminated */
    int min, max;              /* INT / PERCENT range; TEXT: max = max length */
    nx_phi_class phi;
    unsigned kinds;            /* NX_KIND_BIT()s of the kinds that carry it */
    nx_field_home home;
    /* Required before the item may move INTO this status (per kind: the
     * status names are the workflow's). NULL = never required. A field
     * several kinds carry may list several, space-separated, each either
     * "status" (every kind with that status) or "kind:status" (one kind),
     * since kinds share status names: read it with nx_dict_required_at. */
    const char *required_for;
    const char *help;          /* one line for the help bar */
} nx_field_def;

typedef struct nx_dict {
    const nx_field_def *fields;
    size_t n;
} nx_dict;

const nx_dict *nx_dict_default(void);
const nx_field_def *nx_dict_find(const nx_dict *d, const char *id);
/* Fields of one kind, in dictionary order (the form's order): fills out
 * with up to max pointers, returns how many there are. */
size_t nx_dict_fields_of(const nx_dict *d, nx_kind k, const nx_field_def **out, size_t max);
/* 1 when f must be filled before an item of kind k moves into status. */
int nx_dict_required_at(const nx_field_def *f, nx_kind k, const char *status);

/* Checks and normalizes one value for a field: NULL when good (canonical
 * form in out, outlen >= NX_VALUE_MAX), else a message for the user that
 * never repeats the value. An empty value is always accepted here
 * (required-ness is checked against the workflow step). */
#define NX_VALUE_MAX 1024
const char *nx_dict_check(const nx_field_def *f, const char *in, char *out, size_t outlen);

#endif
