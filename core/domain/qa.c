/* core/domain/qa.c — the SOP's QA sampling rules (seed 000 §7), their
 * periods (UTC ISO weeks and months) and the keyed-hash draws that make a
 * sample reproducible from its seed (see qa.h for why). */
#include "domain/qa.h"
#include "domain/workflow.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(NX_QA_SEED_BYTES == crypto_generichash_KEYBYTES, "QA seed is a BLAKE2b key");

static const nx_qa_rule rules[] = {
    { "scheduling", NX_KIND_SCHEDULING, NX_QA_PERCENT, 20000, 0, NX_QA_WEEK, 0, NULL },
    { "eligibility", NX_KIND_ELIGIBILITY, NX_QA_COUNT, 0, 10, NX_QA_WEEK, 1, NULL },
    { "prior-auth", NX_KIND_PRIOR_AUTH, NX_QA_PERCENT, 50000, 0, NX_QA_WEEK, 0, "submitted" },
    { "roi", NX_KIND_ROI, NX_QA_COUNT, 0, 10, NX_QA_MONTH, 0, NULL },
};
#define N_RULES (sizeof rules / sizeof rules[0])

const nx_qa_rule *nx_qa_rule_find(const char *name)
{
    for (size_t i = 0; name && i < N_RULES; i++)
        if (strcmp(rules[i].name, name) == 0)
            return &rules[i];
    return NULL;
}

const nx_qa_rule *nx_qa_rule_at(size_t i)
{
    return i < N_RULES ? &rules[i] : NULL;
}

int nx_qa_is_event(const nx_qa_rule *r, const char *status)
{
    if (!r || !status)
        return 0;
    if (r->event_status)
        return strcmp(status, r->event_status) == 0;
    return nx_workflow_is_final(r->kind, status) == 1;
}

/* ---- calendar (UTC, proleptic Gregorian; H. Hinnant's algorithms) ------------ */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

#define DAY 86400
#define YEAR_MIN 1970
#define YEAR_MAX 9999

int nx_qa_period_of(const nx_qa_rule *r, int64_t at, char *out, size_t outlen)
{
    if (!r || !out || outlen < NX_QA_PERIOD_MAX || at < 0 || at > (int64_t)253402300799)
        return -1;
    int64_t day = floor_div(at, DAY), y;
    int m, d;
    if (r->span == NX_QA_MONTH) {
        civil_from_days(day, &y, &m, &d);
        snprintf(out, outlen, "%04d-%02d", (int)y, m);
        return 0;
    }
    int64_t wd = day - 7 * floor_div(day + 3, 7) + 3;   /* Monday 0 .. Sunday 6 */
    int64_t thu = day - wd + 3;                          /* ISO year: its Thursday's */
    civil_from_days(thu, &y, &m, &d);
    int64_t week = (thu - days_from_civil(y, 1, 1)) / 7 + 1;
    snprintf(out, outlen, "%04d-W%02d", (int)y, (int)week);
    return 0;
}

static int digits(const char *s, size_t n, int *v)
{
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

int nx_qa_period_bounds(const nx_qa_rule *r, const char *p, int64_t *start, int64_t *end)
{
    int y, n;
    if (!r || !p || digits(p, 4, &y) || p[4] != '-' || y < YEAR_MIN || y > YEAR_MAX)
        return -1;
    int64_t s, e;
    if (r->span == NX_QA_MONTH) {
        if (strlen(p) != 7 || digits(p + 5, 2, &n) || n < 1 || n > 12)
            return -1;
        s = days_from_civil(y, n, 1);
        e = n == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, n + 1, 1);
    } else {
        if (strlen(p) != 8 || p[5] != 'W' || digits(p + 6, 2, &n) || n < 1 || n > 53)
            return -1;
        int64_t jan4 = days_from_civil(y, 1, 4);
        int64_t wd = jan4 - 7 * floor_div(jan4 + 3, 7) + 3;
        s = jan4 - wd + (int64_t)(n - 1) * 7;
        e = s + 7;
    }
    /* Canonical and real (week 53 exists only in some years): it must be
     * the period of its own first second. */
    char back[NX_QA_PERIOD_MAX];
    if (nx_qa_period_of(r, s * DAY, back, sizeof back) != 0 || strcmp(back, p) != 0)
        return -1;
    *start = s * DAY;
    *end = e * DAY;
    return 0;
}

/* ---- keyed hashes and draws ----------------------------------------------------- */

uint64_t nx_qa_hash(const unsigned char seed[NX_QA_SEED_BYTES], const char *item_id)
{
    unsigned char out[crypto_generichash_BYTES];
    crypto_generichash(out, sizeof out, (const unsigned char *)item_id, strlen(item_id), seed,
                       NX_QA_SEED_BYTES);
    uint64_t h = 0;
    for (int i = 0; i < 8; i++)
        h = h << 8 | out[i];
    return h;
}

int nx_qa_decide(const unsigned char seed[NX_QA_SEED_BYTES], const char *item_id,
                 uint32_t rate_ppm)
{
    if (rate_ppm == 0)
        return 0;
    if (rate_ppm >= NX_QA_PPM)
        return 1;
    /* rate x 2^64 = rate_ppm x (2^64 / 10^6), exact to within rate_ppm. */
    uint64_t threshold = (UINT64_MAX / NX_QA_PPM) * rate_ppm;
    return nx_qa_hash(seed, item_id) < threshold;
}

static int own_work(const nx_qa_cand *c, const char *reviewer)
{
    return reviewer && *reviewer && c->user && strcmp(c->user, reviewer) == 0;
}

typedef struct {
    uint64_t h;
    const char *id;
    size_t idx;
} ranked;

static int rank_cmp(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    int c = strcmp(x->id, y->id);
    if (c)
        return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

size_t nx_qa_draw(const unsigned char seed[NX_QA_SEED_BYTES], const nx_qa_cand *cands,
                  size_t n, size_t count, const char *reviewer, size_t *out_idx)
{
    if (n == 0 || count == 0)
        return 0;
    ranked *r = calloc(n, sizeof *r);
    if (!r)
        return (size_t)-1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (own_work(&cands[i], reviewer))
            continue;
        r[m].h = nx_qa_hash(seed, cands[i].item_id);
        r[m].id = cands[i].item_id;
        r[m].idx = i;
        m++;
    }
    qsort(r, m, sizeof *r, rank_cmp);
    size_t k = m < count ? m : count;
    for (size_t i = 0; i < k; i++)
        out_idx[i] = r[i].idx;
    free(r);
    return k;
}

size_t nx_qa_select(const nx_qa_rule *r, const unsigned char seed[NX_QA_SEED_BYTES],
                    const nx_qa_cand *cands, size_t n, const char *reviewer, size_t *out_idx)
{
    if (!r)
        return (size_t)-1;
    if (r->mode == NX_QA_COUNT)
        return nx_qa_draw(seed, cands, n, r->count, reviewer, out_idx);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!own_work(&cands[i], reviewer) && nx_qa_decide(seed, cands[i].item_id, r->rate_ppm))
            out_idx[k++] = i;
    return k;
}
