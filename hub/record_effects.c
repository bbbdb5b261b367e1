/* hub/record_effects — what an oversight record, once merged, changes
 * elsewhere on the hub (core/domain/record.h). Each kind that has effects
 * names its function in the table; a kind without one changes nothing but
 * the record itself. An effect runs inside the op's savepoint: when it
 * refuses (returns 1 with err), serve_op.c rolls the record back too. */
#include "hub/serve.h"
#include "hub/qa_live.h"

typedef int (*effect_fn)(nx_srv *s, const nx_record *prev, const nx_record *next, char *err,
                         size_t errlen);

static const effect_fn effects[NX_REC_KIND_COUNT] = {
    [NX_REC_QA_SAMPLE] = NULL,
    [NX_REC_QA_REVIEW] = srv_qa_review_effect,   /* marks its sample reviewed: qa_live.c */
    [NX_REC_CAPA] = srv_capa_effect,             /* owner and item checked: qa_live.c */
    [NX_REC_INCIDENT] = NULL,
    [NX_REC_PATIENT_REQUEST] = srv_patreq_effects,   /* patreq_effects.c */
};

int srv_record_effects(nx_srv *s, const nx_record *prev, const nx_record *next, char *err,
                       size_t errlen)
{
    int k = nx_record_kind_parse(next->kind);
    if (k < 0 || !effects[k])
        return 0;
    return effects[k](s, prev, next, err, errlen);
}
