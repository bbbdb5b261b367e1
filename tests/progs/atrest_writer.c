/* tests/progs — atrest_writer: the writer half of acceptance test 1 of issue 2
 * ("no plaintext at rest"), and the one definition of its workload.
 *
 * The workload is a sequence of steps, each a deterministic function of
 * (seed, step number) only: one transaction (plus a VACUUM after some) that
 * writes marker strings as UTF-8 and UTF-16 text, runs of one character,
 * overflow blobs, sorts, temp tables, nested savepoints with ROLLBACK TO, and
 * a savepoint rolled back after a fill larger than cache_size (the pager
 * spills and journals). Every step is a list of operations produced by
 * aw_step(); two interpreters run them: the SQL one against a connection and
 * the model one against an in-memory list of rows. What the model holds after
 * step N is therefore exactly what the database must hold after step N.
 *
 * tests/unit/test_atrest.c includes this file with AW_NO_MAIN defined, so the
 * in-process test, the kill loop's checker and this program share one
 * workload.
 *
 * Program: atrest_writer DB PROGRESS SEED FROM ALT MAXSTEPS VERIFY
 *   DB        an existing cache created by the test
 *   PROGRESS  append-only file: "start S" once the cache is open (after any
 *             hot-journal rollback), then per step "about N" before COMMIT
 *             and "commit N" after it, each fsync'd
 *   SEED      workload seed;
 *   FROM ALT  the committed step the database is at: FROM, or ALT when ALT
 *             is not 0 (the previous writer was killed around COMMIT of ALT
 *             and nobody has looked since);
 *   MAXSTEPS  steps to run (the test SIGKILLs it long before, mostly);
 *   VERIFY    1 = integrity_check and compare every row with the model after
 *             every step
 * Environment: NX_ATREST_KEY (64 hex digits, the data key),
 *   NX_ATREST_SPYLOG (optional, the spy's open/hit log),
 *   NX_ATREST_READY_FD (optional: "R" is written there once the cache is
 *   open, and "A" just before each COMMIT, so the test can aim its kills at
 *   commits). Exit: 0 done, 2 setup, 3 spy hit, 4 SQLite or workload error,
 *   5 verify mismatch. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "crypt/crypt.h"
#include "store/store.h"
#include "tests/helpers/spyvfs.h"

#define AW static __attribute__((unused))

#define AW_SPY_NAME "atrest-spy"
#define AW_NMARK 8
#define AW_MARK_CP 24
#define AW_TXT_MAX 4200
#define AW_BLOB_MAX 25000
#define AW_ID_STRIDE 100000      /* ids of step N are N*STRIDE + i */
#define AW_AGE 24                /* rows older than this many steps thin out */
#define AW_BLOB_AGE 8            /* overflow blobs older than this are deleted */
#define AW_GMASK ((UINT64_C(1) << 62) - 1)
#define AW_PRED_MUL 40503
#define AW_SORT_ROWS 20000
#define AW_MAX_SP 8

/* ---- deterministic randomness ------------------------------------------- */
static uint64_t aw_mix(uint64_t x)
{
    x += UINT64_C(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

/* Every random value is a hash of where it is used, so the sequence never
 * depends on how many values something else consumed. */
static uint64_t aw_h(uint64_t seed, int64_t step, uint32_t tag, uint64_t i)
{
    return aw_mix(seed ^ aw_mix((uint64_t)step * UINT64_C(0xD1B54A32D192ED03)
                                ^ ((uint64_t)tag << 40) ^ aw_mix(i)));
}

/* ---- markers ------------------------------------------------------------- */
/* Synthetic random strings, with some non-ASCII (BMP) letters so their UTF-8
 * and UTF-16 forms differ. */
typedef struct aw_marks {
    uint16_t cp[AW_NMARK][AW_MARK_CP];
} aw_marks;

static const uint16_t aw_alpha[] = {
    'A','B','C','D','E','F','G','H','J','K','L','M','N','P','R','S','T','U',
    'V','W','X','Y','a','b','c','d','e','f','g','h','i','j','k','m','n','o',
    'p','r','s','t','u','v','w','x','y','2','3','4','5','6','7','8','9',
    0x00E9, 0x00DF, 0x03A9, 0x0416, 0x4E2D, 0x00F1, 0x0142, 0x05D0,
};
#define AW_NALPHA (sizeof aw_alpha / sizeof aw_alpha[0])

AW void aw_marks_make(uint64_t seed, aw_marks *m)
{
    for (int i = 0; i < AW_NMARK; i++)
        for (int j = 0; j < AW_MARK_CP; j++)
            m->cp[i][j] = aw_alpha[aw_h(seed, -1, 'M', (uint64_t)(i * 100 + j)) % AW_NALPHA];
}

static size_t aw_utf8(const uint16_t *cp, size_t n, unsigned char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = cp[i];
        if (c < 0x80) {
            out[o++] = (unsigned char)c;
        } else if (c < 0x800) {
            out[o++] = (unsigned char)(0xC0 | (c >> 6));
            out[o++] = (unsigned char)(0x80 | (c & 0x3F));
        } else {
            out[o++] = (unsigned char)(0xE0 | (c >> 12));
            out[o++] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (unsigned char)(0x80 | (c & 0x3F));
        }
    }
    return o;
}

static size_t aw_utf16(const uint16_t *cp, size_t n, int big_endian, unsigned char *out)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char hi = (unsigned char)(cp[i] >> 8), lo = (unsigned char)cp[i];
        out[2 * i] = big_endian ? hi : lo;
        out[2 * i + 1] = big_endian ? lo : hi;
    }
    return 2 * n;
}

/* What must never reach the disk in the clear: every marker as UTF-8,
 * UTF-16LE and UTF-16BE, runs of the two run characters, the SQLite file
 * header and schema text. Labels never contain the marker itself. */
AW int aw_marks_to_spy(const aw_marks *m)
{
    unsigned char buf[AW_MARK_CP * 3];
    char label[32];
    int rc = 0;
    for (int i = 0; i < AW_NMARK; i++) {
        size_t n = aw_utf8(m->cp[i], AW_MARK_CP, buf);
        snprintf(label, sizeof label, "m%d.utf8", i);
        rc |= spyvfs_add_marker(label, buf, n);
        n = aw_utf16(m->cp[i], AW_MARK_CP, 0, buf);
        snprintf(label, sizeof label, "m%d.utf16le", i);
        rc |= spyvfs_add_marker(label, buf, n);
        n = aw_utf16(m->cp[i], AW_MARK_CP, 1, buf);
        snprintf(label, sizeof label, "m%d.utf16be", i);
        rc |= spyvfs_add_marker(label, buf, n);
    }
    memset(buf, 'Q', 64);
    rc |= spyvfs_add_marker("run.Q64", buf, 64);
    memset(buf, 'Z', 64);
    rc |= spyvfs_add_marker("run.Z64", buf, 64);
    rc |= spyvfs_add_marker("sqlite-header", "SQLite format 3", 15);
    rc |= spyvfs_add_marker("create-table", "CREATE TABLE", 12);
    return rc ? -1 : 0;
}

/* ---- row content: a pure function of (g, k) ------------------------------
 * k 0: UTF-8 text with two markers; k 1: the same shape bound with
 * sqlite3_bind_text16; k 2: short text + an overflow blob (5-25 KB, larger
 * than a page) carrying UTF-16LE/BE markers and a run; k 3: a long run of one
 * character + a marker, and a small UTF-16 blob. */
typedef struct aw_content {
    uint16_t cp[AW_TXT_MAX];     /* BMP only, so this is also native UTF-16 */
    size_t ncp;
    unsigned char u8[AW_TXT_MAX * 3];
    size_t n8;
    unsigned char blob[AW_BLOB_MAX];
    size_t nblob;
    int has_blob;
} aw_content;

static void aw_put_cp(aw_content *c, uint16_t v)
{
    if (c->ncp < AW_TXT_MAX) c->cp[c->ncp++] = v;
}
static void aw_put_mark(aw_content *c, const aw_marks *m, uint64_t r)
{
    for (int j = 0; j < AW_MARK_CP; j++) aw_put_cp(c, m->cp[r % AW_NMARK][j]);
}
static void aw_put_hex(aw_content *c, uint64_t g)
{
    for (int s = 60; s >= 0; s -= 4) aw_put_cp(c, (uint16_t)"0123456789abcdef"[(g >> s) & 15]);
}
static void aw_blob_put(aw_content *c, const void *p, size_t n)
{
    if (c->nblob + n > AW_BLOB_MAX) n = AW_BLOB_MAX - c->nblob;
    memcpy(c->blob + c->nblob, p, n);
    c->nblob += n;
}

AW size_t aw_blob_len(uint64_t g) { return 5000 + (size_t)(aw_mix(g ^ 0xB10B) % 20000); }
AW int64_t aw_sort_key(uint64_t g) { return (int64_t)(g % 1000003); }

AW void aw_gen(const aw_marks *m, uint64_t g, int k, aw_content *c)
{
    uint64_t r = aw_mix(g ^ 0xC0FFEE);
    unsigned char tmp[AW_MARK_CP * 3];
    c->ncp = 0;
    c->nblob = 0;
    c->has_blob = 0;
    switch (k) {
    case 0:
    case 1: {
        aw_put_mark(c, m, r);
        aw_put_cp(c, 0x00B7);
        aw_put_hex(c, g);
        aw_put_cp(c, ' ');
        aw_put_mark(c, m, r >> 8);
        aw_put_cp(c, ' ');
        size_t fill = (size_t)((r >> 16) % 120);
        for (size_t j = 0; j < fill; j++)
            aw_put_cp(c, aw_alpha[aw_mix(r + j) % AW_NALPHA]);
        break;
    }
    case 2: {
        aw_put_mark(c, m, r);
        aw_put_cp(c, ' ');
        aw_put_hex(c, g);
        size_t len = aw_blob_len(g);
        c->has_blob = 1;
        aw_blob_put(c, tmp, aw_utf16(m->cp[(r >> 8) % AW_NMARK], AW_MARK_CP, 0, tmp));
        aw_blob_put(c, tmp, aw_utf16(m->cp[(r >> 12) % AW_NMARK], AW_MARK_CP, 1, tmp));
        size_t run = 64 + (size_t)((r >> 16) % 100);
        unsigned char q[200];
        memset(q, 'Q', run);
        aw_blob_put(c, q, run);
        aw_blob_put(c, tmp, aw_utf8(m->cp[(r >> 24) % AW_NMARK], AW_MARK_CP, tmp));
        for (size_t pos = c->nblob; pos < len; pos += 8) {
            uint64_t x = aw_mix(g + pos);
            unsigned char b8[8];
            memcpy(b8, &x, 8);
            aw_blob_put(c, b8, len - pos < 8 ? len - pos : 8);
        }
        break;
    }
    default: {
        uint16_t ch = ((r >> 3) & 1) ? 'Q' : 'Z';
        size_t run = 64 + (size_t)((r >> 8) % 3000);
        for (size_t j = 0; j < run; j++) aw_put_cp(c, ch);
        aw_put_cp(c, ' ');
        aw_put_mark(c, m, r >> 20);
        c->has_blob = 1;
        aw_blob_put(c, tmp, aw_utf16(m->cp[r % AW_NMARK], AW_MARK_CP, 1, tmp));
        aw_blob_put(c, tmp, aw_utf16(m->cp[(r >> 4) % AW_NMARK], AW_MARK_CP, 0, tmp));
        break;
    }
    }
    c->n8 = aw_utf8(c->cp, c->ncp, c->u8);
}

/* ---- the step plan --------------------------------------------------------- */
enum {
    AW_BEGIN, AW_SET_STEP, AW_INSERT, AW_UPDATE, AW_DELETE, AW_DELETE_KIND,
    AW_COPY_TEMP, AW_SORT, AW_SAVEPOINT, AW_ROLLBACK_TO, AW_RELEASE, AW_FILL,
    AW_ABOUT, AW_COMMIT, AW_VACUUM, AW_COMMITTED,
};

/* pred(id) = (id*40503 + a) % m == r, written the same way in SQL. */
typedef struct aw_op {
    int type;
    int64_t step, id, max, base;
    uint64_t g, a;
    int k;
    uint32_t m, r;
    const char *sp;
} aw_op;

static int aw_pred(int64_t id, uint64_t a, uint32_t m, uint32_t r)
{
    return ((uint64_t)id * AW_PRED_MUL + a) % m == r;
}

enum { K_INSERT, K_UPDATE, K_DELETE, K_TEMP, K_SORT, K_SAVEPOINTS, K_SPILL,
       K_VACUUM, AW_NKINDS };
AW const char *const aw_kind_name[AW_NKINDS] = {
    "insert", "update", "delete", "temp-table", "sort", "savepoints",
    "spill+rollback-to", "vacuum",
};

/* Each block of 8 steps runs every kind once, in a seeded order. */
AW int aw_step_kind(uint64_t seed, int64_t step)
{
    int64_t block = (step - 1) / AW_NKINDS;
    int perm[AW_NKINDS];
    for (int i = 0; i < AW_NKINDS; i++) perm[i] = i;
    for (int i = AW_NKINDS - 1; i > 0; i--) {
        int j = (int)(aw_h(seed, block, 'P', (uint64_t)i) % (uint64_t)(i + 1));
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    return perm[(step - 1) % AW_NKINDS];
}

static int aw_pick_kind(uint64_t r)
{
    unsigned v = (unsigned)(r % 16);
    return v < 7 ? 0 : v < 12 ? 1 : v < 14 ? 3 : 2;
}

typedef int (*aw_exec_fn)(void *ctx, const aw_op *op);

#define AW_OP(...) do {                                  \
        aw_op o_ = { __VA_ARGS__ };                      \
        int rc_ = fn(ctx, &o_);                          \
        if (rc_ != 0) return rc_;                        \
    } while (0)

AW int aw_step(uint64_t seed, int64_t step, aw_exec_fn fn, void *ctx)
{
    const int kind = aw_step_kind(seed, step);
    const int64_t base = step * AW_ID_STRIDE;
#define H(tag, i) aw_h(seed, step, (tag), (uint64_t)(i))
#define INSERT(i, kk) AW_OP(.type = AW_INSERT, .id = base + (i), \
                            .g = H('g', (i)) & AW_GMASK, .k = (kk))
#define PRED(tag, mm) .a = H(tag, 0) % (1u << 20), .m = (mm), \
                      .r = (uint32_t)(H(tag, 1) % (mm))

    AW_OP(.type = AW_BEGIN, .step = step);
    AW_OP(.type = AW_SET_STEP, .step = step);
    /* Thinning by age keeps the table small however long the loop runs. */
    if (step > AW_AGE)
        AW_OP(.type = AW_DELETE, .max = (step - AW_AGE) * AW_ID_STRIDE, PRED('a', 3));
    if (step > AW_BLOB_AGE)
        AW_OP(.type = AW_DELETE_KIND, .k = 2, .max = (step - AW_BLOB_AGE) * AW_ID_STRIDE);
    int nins = 4 + (int)(H('n', 0) % 10);
    for (int i = 1; i <= nins; i++) INSERT(i, aw_pick_kind(H('k', i)));

    switch (kind) {
    case K_INSERT:
        for (int i = 100; i < 116; i++) INSERT(i, aw_pick_kind(H('k', i)));
        INSERT(200, 2);
        INSERT(201, 2);
        INSERT(202, 3);
        break;
    case K_UPDATE:
        AW_OP(.type = AW_UPDATE, .g = H('u', 0), PRED('U', 4 + (uint32_t)(H('m', 0) % 8)));
        break;
    case K_DELETE:
        AW_OP(.type = AW_DELETE, .max = base, PRED('D', 5 + (uint32_t)(H('m', 1) % 6)));
        break;
    case K_TEMP:
        AW_OP(.type = AW_COPY_TEMP, .base = base + 50000,
              PRED('T', 8 + (uint32_t)(H('m', 2) % 8)));
        break;
    case K_SORT:
        AW_OP(.type = AW_SORT, .a = H('S', 0) % (1u << 20), .k = (int)(H('S', 1) % AW_NMARK));
        AW_OP(.type = AW_UPDATE, .g = H('u', 1), PRED('V', 11));
        break;
    case K_SAVEPOINTS:
        AW_OP(.type = AW_SAVEPOINT, .sp = "a");
        for (int i = 1000; i < 1004; i++) INSERT(i, aw_pick_kind(H('k', i)));
        AW_OP(.type = AW_SAVEPOINT, .sp = "b");
        AW_OP(.type = AW_UPDATE, .g = H('u', 2), PRED('W', 3));
        AW_OP(.type = AW_DELETE, .max = base, PRED('X', 4));
        INSERT(2000, 2);
        INSERT(2001, 3);
        AW_OP(.type = AW_ROLLBACK_TO, .sp = "b");
        for (int i = 3000; i < 3003; i++) INSERT(i, aw_pick_kind(H('k', i)));
        AW_OP(.type = AW_RELEASE, .sp = "b");
        AW_OP(.type = AW_SAVEPOINT, .sp = "c");
        AW_OP(.type = AW_UPDATE, .g = H('u', 3), PRED('Y', 2));
        AW_OP(.type = AW_ROLLBACK_TO, .sp = "c");
        AW_OP(.type = AW_DELETE, .max = base, PRED('Z', 7));
        AW_OP(.type = AW_RELEASE, .sp = "c");
        AW_OP(.type = AW_RELEASE, .sp = "a");
        break;
    case K_SPILL:
        /* Changes to old pages, then a fill larger than the page cache (the
         * pager spills dirty pages into the database file and starts new
         * journal segments), all rolled back to the savepoint. */
        AW_OP(.type = AW_SAVEPOINT, .sp = "s");
        AW_OP(.type = AW_UPDATE, .g = H('u', 4), PRED('A', 2));
        AW_OP(.type = AW_DELETE, .max = base, PRED('B', 5));
        AW_OP(.type = AW_FILL, .base = base + 60000, .g = H('F', 0));
        AW_OP(.type = AW_ROLLBACK_TO, .sp = "s");
        for (int i = 4000; i < 4004; i++) INSERT(i, aw_pick_kind(H('k', i)));
        AW_OP(.type = AW_UPDATE, .g = H('u', 5), PRED('C', 9));
        AW_OP(.type = AW_RELEASE, .sp = "s");
        break;
    case K_VACUUM:
        AW_OP(.type = AW_DELETE, .max = base, PRED('E', 3));
        break;
    default:
        break;
    }
    AW_OP(.type = AW_ABOUT, .step = step);
    AW_OP(.type = AW_COMMIT, .step = step);
    if (kind == K_VACUUM) AW_OP(.type = AW_VACUUM, .step = step);
    AW_OP(.type = AW_COMMITTED, .step = step);
    return 0;
#undef H
#undef INSERT
#undef PRED
}

/* ---- the model interpreter ------------------------------------------------- */
typedef struct aw_row {
    int64_t id;
    uint64_t g;
    int k;
} aw_row;

typedef struct aw_rows {
    aw_row *v;
    size_t n, cap;
} aw_rows;

typedef struct aw_model {
    aw_rows cur;
    int64_t step;
    aw_rows sp[AW_MAX_SP];
    const char *spname[AW_MAX_SP];
    int depth;
} aw_model;

static void aw_rows_reserve(aw_rows *r, size_t n)
{
    if (n <= r->cap) return;
    size_t cap = r->cap ? r->cap : 256;
    while (cap < n) cap *= 2;
    aw_row *v = realloc(r->v, cap * sizeof *v);
    if (!v) abort();
    r->v = v;
    r->cap = cap;
}

static void aw_rows_copy(aw_rows *dst, const aw_rows *src)
{
    aw_rows_reserve(dst, src->n);
    if (src->n) memcpy(dst->v, src->v, src->n * sizeof *src->v);
    dst->n = src->n;
}

static void aw_rows_free(aw_rows *r)
{
    free(r->v);
    r->v = NULL;
    r->n = r->cap = 0;
}

/* Sorted by id. */
static void aw_rows_insert(aw_rows *r, aw_row row)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->v[mid].id < row.id) lo = mid + 1; else hi = mid;
    }
    if (lo < r->n && r->v[lo].id == row.id) { r->v[lo] = row; return; }
    aw_rows_reserve(r, r->n + 1);
    memmove(&r->v[lo + 1], &r->v[lo], (r->n - lo) * sizeof *r->v);
    r->v[lo] = row;
    r->n++;
}

AW void aw_model_init(aw_model *m)
{
    memset(m, 0, sizeof *m);
}

AW void aw_model_free(aw_model *m)
{
    aw_rows_free(&m->cur);
    for (int i = 0; i < AW_MAX_SP; i++) aw_rows_free(&m->sp[i]);
    m->depth = 0;
}

AW void aw_model_copy(aw_model *dst, const aw_model *src)
{
    aw_rows_copy(&dst->cur, &src->cur);
    dst->step = src->step;
    dst->depth = 0;
}

static int aw_sp_find(const aw_model *m, const char *name)
{
    for (int i = m->depth - 1; i >= 0; i--)
        if (strcmp(m->spname[i], name) == 0) return i;
    return -1;
}

AW int aw_model_exec(void *ctx, const aw_op *op)
{
    aw_model *m = ctx;
    aw_rows *r = &m->cur;
    size_t o = 0;
    int i;
    switch (op->type) {
    case AW_BEGIN:
    case AW_COMMIT:
        m->depth = 0;
        break;
    case AW_SET_STEP:
        m->step = op->step;
        break;
    case AW_INSERT:
        aw_rows_insert(r, (aw_row){ op->id, op->g, op->k });
        break;
    case AW_UPDATE:
        for (size_t j = 0; j < r->n; j++)
            if (aw_pred(r->v[j].id, op->a, op->m, op->r))
                r->v[j].g = aw_mix(op->g ^ (uint64_t)r->v[j].id) & AW_GMASK;
        break;
    case AW_DELETE:
        for (size_t j = 0; j < r->n; j++)
            if (!(r->v[j].id < op->max && aw_pred(r->v[j].id, op->a, op->m, op->r)))
                r->v[o++] = r->v[j];
        r->n = o;
        break;
    case AW_DELETE_KIND:
        for (size_t j = 0; j < r->n; j++)
            if (!(r->v[j].k == op->k && r->v[j].id < op->max)) r->v[o++] = r->v[j];
        r->n = o;
        break;
    case AW_COPY_TEMP: {
        size_t n0 = r->n;
        int64_t next = op->base;
        for (size_t j = 0; j < n0; j++)
            if (aw_pred(r->v[j].id, op->a, op->m, op->r)) {
                aw_row c = r->v[j];
                c.id = ++next;
                aw_rows_insert(r, c);
            }
        break;
    }
    case AW_SAVEPOINT:
        if (m->depth >= AW_MAX_SP) abort();
        aw_rows_copy(&m->sp[m->depth], r);
        m->spname[m->depth++] = op->sp;
        break;
    case AW_ROLLBACK_TO:
        if ((i = aw_sp_find(m, op->sp)) < 0) abort();
        m->depth = i + 1;
        aw_rows_copy(r, &m->sp[i]);
        break;
    case AW_RELEASE:
        if ((i = aw_sp_find(m, op->sp)) < 0) abort();
        m->depth = i;
        break;
    default:   /* sorts, the fill (always rolled back), vacuum, progress */
        break;
    }
    return 0;
}

/* Replays steps (from, to] on the model. */
AW void aw_model_advance(aw_model *m, uint64_t seed, int64_t to)
{
    for (int64_t s = m->step + 1; s <= to; s++) aw_step(seed, s, aw_model_exec, m);
}

/* ---- the SQL interpreter ------------------------------------------------------ */
typedef struct aw_sql {
    sqlite3 *db;
    const aw_marks *mk;
    aw_content *c;
    sqlite3_stmt *ins;
    int progress_fd;          /* -1: no progress file */
    int signal_fd;            /* -1, or where "A" goes before each COMMIT */
    int64_t spills;           /* fills that made the pager spill */
    int64_t fill_bytes;       /* last fill's payload */
    char err[512];
} aw_sql;

static int aw_sql_fail(aw_sql *s, const char *what)
{
    snprintf(s->err, sizeof s->err, "%s: %s (extended code %d)", what,
             sqlite3_errmsg(s->db), sqlite3_extended_errcode(s->db));
    return -1;
}

static int aw_sql_exec(aw_sql *s, const char *sql)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) return aw_sql_fail(s, sql);
    return 0;
}

AW int aw_create_schema(sqlite3 *db, char *err, size_t errlen)
{
    const char *sql =
        "BEGIN;"
        "CREATE TABLE t(id INTEGER PRIMARY KEY, g INTEGER NOT NULL, k INTEGER NOT NULL,"
        "  sk INTEGER NOT NULL, txt TEXT NOT NULL, b BLOB);"
        "CREATE INDEX t_txt ON t(txt);"
        "CREATE TABLE meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
        "INSERT INTO meta VALUES('step', 0);"
        "COMMIT;";
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "create schema: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

AW int aw_sql_init(aw_sql *s, sqlite3 *db, const aw_marks *mk)
{
    memset(s, 0, sizeof *s);
    s->db = db;
    s->mk = mk;
    s->progress_fd = -1;
    s->signal_fd = -1;
    s->c = malloc(sizeof *s->c);
    if (!s->c) { snprintf(s->err, sizeof s->err, "out of memory"); return -1; }
    if (sqlite3_prepare_v2(db, "INSERT INTO t(id, g, k, sk, txt, b) VALUES(?1,?2,?3,?4,?5,?6)",
                           -1, &s->ins, NULL) != SQLITE_OK)
        return aw_sql_fail(s, "prepare insert");
    return 0;
}

AW void aw_sql_done(aw_sql *s)
{
    sqlite3_finalize(s->ins);
    s->ins = NULL;
    free(s->c);
    s->c = NULL;
}

static void aw_bind_content(sqlite3_stmt *st, int txt_col, int blob_col, int k,
                            const aw_content *c)
{
    if (k == 1)
        sqlite3_bind_text16(st, txt_col, c->cp, (int)(c->ncp * 2), SQLITE_STATIC);
    else
        sqlite3_bind_text(st, txt_col, (const char *)c->u8, (int)c->n8, SQLITE_STATIC);
    if (c->has_blob)
        sqlite3_bind_blob(st, blob_col, c->blob, (int)c->nblob, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, blob_col);
}

static int aw_sql_insert(aw_sql *s, int64_t id, uint64_t g, int k)
{
    aw_gen(s->mk, g, k, s->c);
    sqlite3_stmt *st = s->ins;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)g);
    sqlite3_bind_int(st, 3, k);
    sqlite3_bind_int64(st, 4, aw_sort_key(g));
    aw_bind_content(st, 5, 6, k, s->c);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : aw_sql_fail(s, "insert");
}

static int aw_sql_update(aw_sql *s, const aw_op *op)
{
    sqlite3_stmt *sel = NULL, *upd = NULL;
    int64_t *ids = NULL;
    int *ks = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT id, k FROM t WHERE ((id*40503 + ?1) % ?2) = ?3"
                           " ORDER BY id", -1, &sel, NULL) != SQLITE_OK) {
        aw_sql_fail(s, "prepare update select");
        goto out;
    }
    sqlite3_bind_int64(sel, 1, (sqlite3_int64)op->a);
    sqlite3_bind_int64(sel, 2, op->m);
    sqlite3_bind_int64(sel, 3, op->r);
    int src;
    while ((src = sqlite3_step(sel)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *ni = realloc(ids, cap * sizeof *ids);
            if (ni) ids = ni;
            int *nk = realloc(ks, cap * sizeof *ks);
            if (nk) ks = nk;
            if (!ni || !nk) { snprintf(s->err, sizeof s->err, "out of memory"); goto out; }
        }
        ids[n] = sqlite3_column_int64(sel, 0);
        ks[n++] = sqlite3_column_int(sel, 1);
    }
    if (src != SQLITE_DONE) { aw_sql_fail(s, "update select"); goto out; }
    if (sqlite3_prepare_v2(s->db, "UPDATE t SET g=?1, sk=?2, txt=?3, b=?4 WHERE id=?5",
                           -1, &upd, NULL) != SQLITE_OK) {
        aw_sql_fail(s, "prepare update");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t g = aw_mix(op->g ^ (uint64_t)ids[i]) & AW_GMASK;
        aw_gen(s->mk, g, ks[i], s->c);
        sqlite3_bind_int64(upd, 1, (sqlite3_int64)g);
        sqlite3_bind_int64(upd, 2, aw_sort_key(g));
        aw_bind_content(upd, 3, 4, ks[i], s->c);
        sqlite3_bind_int64(upd, 5, ids[i]);
        int urc = sqlite3_step(upd);
        sqlite3_reset(upd);
        if (urc != SQLITE_DONE) { aw_sql_fail(s, "update"); goto out; }
    }
    rc = 0;
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    free(ids);
    free(ks);
    return rc;
}

static int aw_sql_delete(aw_sql *s, const aw_op *op)
{
    sqlite3_stmt *st = NULL;
    const char *sql = op->type == AW_DELETE
        ? "DELETE FROM t WHERE id < ?1 AND ((id*40503 + ?2) % ?3) = ?4"
        : "DELETE FROM t WHERE id < ?1 AND k = ?2";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return aw_sql_fail(s, "prepare delete");
    sqlite3_bind_int64(st, 1, op->max);
    if (op->type == AW_DELETE) {
        sqlite3_bind_int64(st, 2, (sqlite3_int64)op->a);
        sqlite3_bind_int64(st, 3, op->m);
        sqlite3_bind_int64(st, 4, op->r);
    } else {
        sqlite3_bind_int(st, 2, op->k);
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : aw_sql_fail(s, "delete");
}

/* Runs sql (one statement) and checks that column 0..ncmp-1 come out in
 * non-decreasing order and that there are want rows (want < 0: any). */
static int aw_sql_check_sorted(aw_sql *s, sqlite3_stmt *st, int text_key, int64_t want,
                               const char *what)
{
    int64_t rows = 0, prev = INT64_MIN;
    unsigned char *prevt = NULL;
    size_t prevn = 0;
    int rc, bad = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (text_key) {
            const unsigned char *t = sqlite3_column_text(st, 0);
            size_t n = (size_t)sqlite3_column_bytes(st, 0);
            if (rows > 0) {
                int c = memcmp(prevt, t, prevn < n ? prevn : n);
                if (c > 0 || (c == 0 && prevn > n)) bad = 1;
            }
            unsigned char *np = realloc(prevt, n + 1);
            if (!np) { bad = 1; break; }
            prevt = np;
            memcpy(prevt, t, n);
            prevn = n;
        } else {
            int64_t v = sqlite3_column_int64(st, 0);
            if (v < prev) bad = 1;
            prev = v;
        }
        rows++;
    }
    free(prevt);
    if (rc != SQLITE_DONE) return aw_sql_fail(s, what);
    if (bad || (want >= 0 && rows != want)) {
        snprintf(s->err, sizeof s->err, "%s: %s (%" PRId64 " rows, want %" PRId64 ")",
                 what, bad ? "rows out of order" : "wrong row count", rows, want);
        return -1;
    }
    return 0;
}

static int64_t aw_sql_count(aw_sql *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Big sorts: the table on an unindexed column, and 20 000 generated rows
 * carrying a marker. With temp_store=MEMORY the sorter never spills; if it
 * did, the spy and the encrypting VFS's refusal of temp files would show. */
static int aw_sql_sort(aw_sql *s, const aw_op *op)
{
    sqlite3_stmt *st = NULL;
    int64_t n = aw_sql_count(s, "SELECT count(*) FROM t");
    if (n < 0) return aw_sql_fail(s, "count");
    if (sqlite3_prepare_v2(s->db, "SELECT sk, id FROM t ORDER BY sk, id", -1, &st, NULL)
        != SQLITE_OK)
        return aw_sql_fail(s, "prepare sort");
    int rc = aw_sql_check_sorted(s, st, 0, n, "sort by sk");
    sqlite3_finalize(st);
    if (rc) return rc;
    if (sqlite3_prepare_v2(s->db,
            "WITH RECURSIVE c(x) AS (VALUES(1) UNION ALL SELECT x+1 FROM c WHERE x < ?1)"
            " SELECT (x*40503 + ?2) % 1000003 AS h, ?3 || x FROM c ORDER BY h, 2",
            -1, &st, NULL) != SQLITE_OK)
        return aw_sql_fail(s, "prepare generated sort");
    unsigned char mark[AW_MARK_CP * 3];
    size_t ml = aw_utf8(s->mk->cp[op->k % AW_NMARK], AW_MARK_CP, mark);
    sqlite3_bind_int64(st, 1, AW_SORT_ROWS);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)op->a);
    sqlite3_bind_text(st, 3, (const char *)mark, (int)ml, SQLITE_STATIC);
    rc = aw_sql_check_sorted(s, st, 0, AW_SORT_ROWS, "generated sort");
    sqlite3_finalize(st);
    return rc;
}

/* CREATE TEMP TABLE ... AS SELECT, an index and a sort on it, and its rows
 * copied back under new ids. */
static int aw_sql_copy_temp(aw_sql *s, const aw_op *op)
{
    char *sql = sqlite3_mprintf(
        "CREATE TEMP TABLE tt AS SELECT id, g, k, sk, txt, b FROM t"
        " WHERE ((id*40503 + %llu) %% %u) = %u",
        (unsigned long long)op->a, (unsigned)op->m, (unsigned)op->r);
    if (!sql) { snprintf(s->err, sizeof s->err, "out of memory"); return -1; }
    int rc = aw_sql_exec(s, sql);
    sqlite3_free(sql);
    if (rc) return rc;
    if (aw_sql_exec(s, "CREATE INDEX temp.tt_sk ON tt(sk)")) return -1;
    int64_t n = aw_sql_count(s, "SELECT count(*) FROM temp.tt");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT txt FROM temp.tt ORDER BY txt, id", -1, &st, NULL)
        != SQLITE_OK)
        return aw_sql_fail(s, "prepare temp sort");
    rc = aw_sql_check_sorted(s, st, 1, n, "temp table sort");
    sqlite3_finalize(st);
    if (rc) return rc;
    if (sqlite3_prepare_v2(s->db,
            "INSERT INTO t(id, g, k, sk, txt, b) SELECT ?1 + row_number() OVER (ORDER BY id),"
            " g, k, sk, txt, b FROM temp.tt ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return aw_sql_fail(s, "prepare copy");
    sqlite3_bind_int64(st, 1, op->base);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return aw_sql_fail(s, "copy from temp table");
    return aw_sql_exec(s, "DROP TABLE temp.tt");
}

/* Inserts overflow blobs until the transaction holds well over the page
 * cache, and proves the pager spilled (wrote dirty pages mid-transaction). */
static int aw_sql_fill(aw_sql *s, const aw_op *op)
{
    int cur0 = 0, cur1 = 0, hi = 0;
    int64_t cache = aw_sql_count(s, "PRAGMA cache_size");
    int64_t pgsz = aw_sql_count(s, "PRAGMA page_size");
    if (cache == -1 || pgsz <= 0) return aw_sql_fail(s, "read cache_size");
    int64_t cache_bytes = cache < 0 ? -cache * 1024 : cache * pgsz;
    int64_t target = cache_bytes + cache_bytes / 8;
    sqlite3_db_status(s->db, SQLITE_DBSTATUS_CACHE_SPILL, &cur0, &hi, 0);
    int64_t total = 0;
    for (int i = 1; total < target; i++) {
        uint64_t g = aw_mix(op->g + (uint64_t)i) & AW_GMASK;
        if (aw_sql_insert(s, op->base + i, g, 2)) return -1;
        total += (int64_t)aw_blob_len(g);
    }
    sqlite3_db_status(s->db, SQLITE_DBSTATUS_CACHE_SPILL, &cur1, &hi, 0);
    s->fill_bytes = total;
    if (cur1 <= cur0) {
        snprintf(s->err, sizeof s->err,
                 "fill of %" PRId64 " bytes (cache %" PRId64 " bytes) did not spill", total,
                 cache_bytes);
        return -1;
    }
    s->spills++;
    return 0;
}

static int aw_progress(aw_sql *s, const char *what, int64_t step)
{
    if (s->progress_fd < 0) return 0;
    char line[96];
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* The time (ms) only helps a reader see how long steps take. */
    int n = snprintf(line, sizeof line, "%s %" PRId64 " t=%lld\n", what, step,
                     (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    if (write(s->progress_fd, line, (size_t)n) != n || fsync(s->progress_fd) != 0) {
        snprintf(s->err, sizeof s->err, "progress file: %s", strerror(errno));
        return -1;
    }
    return 0;
}

AW int aw_sql_exec_op(void *ctx, const aw_op *op)
{
    aw_sql *s = ctx;
    char sql[64];
    switch (op->type) {
    case AW_BEGIN:
        return aw_sql_exec(s, "BEGIN");
    case AW_SET_STEP: {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s->db, "UPDATE meta SET v = ?1 WHERE k = 'step'", -1, &st,
                               NULL) != SQLITE_OK)
            return aw_sql_fail(s, "prepare set step");
        sqlite3_bind_int64(st, 1, op->step);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : aw_sql_fail(s, "set step");
    }
    case AW_INSERT:
        return aw_sql_insert(s, op->id, op->g, op->k);
    case AW_UPDATE:
        return aw_sql_update(s, op);
    case AW_DELETE:
    case AW_DELETE_KIND:
        return aw_sql_delete(s, op);
    case AW_COPY_TEMP:
        return aw_sql_copy_temp(s, op);
    case AW_SORT:
        return aw_sql_sort(s, op);
    case AW_SAVEPOINT:
        snprintf(sql, sizeof sql, "SAVEPOINT %s", op->sp);
        return aw_sql_exec(s, sql);
    case AW_ROLLBACK_TO:
        snprintf(sql, sizeof sql, "ROLLBACK TO %s", op->sp);
        return aw_sql_exec(s, sql);
    case AW_RELEASE:
        snprintf(sql, sizeof sql, "RELEASE %s", op->sp);
        return aw_sql_exec(s, sql);
    case AW_FILL:
        return aw_sql_fill(s, op);
    case AW_ABOUT:
        if (aw_progress(s, "about", op->step)) return -1;
        if (s->signal_fd >= 0 && write(s->signal_fd, "A", 1) != 1) {
            snprintf(s->err, sizeof s->err, "signal fd: %s", strerror(errno));
            return -1;
        }
        return 0;
    case AW_COMMIT:
        return aw_sql_exec(s, "COMMIT");
    case AW_VACUUM:
        return aw_sql_exec(s, "VACUUM");
    case AW_COMMITTED:
        return aw_progress(s, "commit", op->step);
    default:
        snprintf(s->err, sizeof s->err, "unknown op %d", op->type);
        return -1;
    }
}

/* Runs one step through SQL; on failure rolls back what is open. */
AW int aw_sql_step(aw_sql *s, uint64_t seed, int64_t step)
{
    int rc = aw_step(seed, step, aw_sql_exec_op, s);
    if (rc && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* ---- checking a database against the model ------------------------------------ */
AW int64_t aw_db_step(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k = 'step'", -1, &st, NULL) == SQLITE_OK
        && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

AW int aw_integrity(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rows = 0, ok = 0, rc;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "integrity_check: %s", sqlite3_errmsg(db));
        return -1;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (rows++ == 0) {
            ok = t && strcmp(t, "ok") == 0;
            if (!ok) snprintf(err, errlen, "integrity_check: %s", t ? t : "(null)");
        }
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "integrity_check: %s", sqlite3_errmsg(db));
        ok = 0;
    }
    sqlite3_finalize(st);
    return ok && rows == 1 ? 0 : -1;
}

/* integrity_check is ok, meta says the model's step, and every row of t
 * equals the model's row, column by column (texts and blobs regenerated). */
AW int aw_check(sqlite3 *db, const aw_model *m, const aw_marks *mk, char *err, size_t errlen)
{
    if (aw_integrity(db, err, errlen)) return -1;
    int64_t st_db = aw_db_step(db);
    if (st_db != m->step) {
        snprintf(err, errlen, "meta step is %" PRId64 ", model is at step %" PRId64, st_db,
                 m->step);
        return -1;
    }
    aw_content *c = malloc(sizeof *c);
    sqlite3_stmt *st = NULL;
    int rc = -1, src;
    size_t i = 0;
    if (!c) { snprintf(err, errlen, "out of memory"); return -1; }
    if (sqlite3_prepare_v2(db, "SELECT id, g, k, sk, txt, b FROM t ORDER BY id", -1, &st, NULL)
        != SQLITE_OK) {
        snprintf(err, errlen, "select rows: %s", sqlite3_errmsg(db));
        goto out;
    }
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (i >= m->cur.n) {
            snprintf(err, errlen, "row id %" PRId64 " is not in the model (%zu rows)", id,
                     m->cur.n);
            goto out;
        }
        const aw_row *w = &m->cur.v[i++];
        if (id != w->id) {
            snprintf(err, errlen, "row %zu: id %" PRId64 ", model has id %" PRId64, i - 1, id,
                     w->id);
            goto out;
        }
        const char *bad = NULL;
        if ((uint64_t)sqlite3_column_int64(st, 1) != w->g) bad = "g";
        else if (sqlite3_column_int(st, 2) != w->k) bad = "k";
        else if (sqlite3_column_int64(st, 3) != aw_sort_key(w->g)) bad = "sk";
        if (!bad) {
            aw_gen(mk, w->g, w->k, c);
            const void *t = sqlite3_column_text(st, 4);
            if ((size_t)sqlite3_column_bytes(st, 4) != c->n8 || memcmp(t, c->u8, c->n8) != 0)
                bad = "txt";
            else if (w->k == 1) {
                const void *t16 = sqlite3_column_text16(st, 4);
                if ((size_t)sqlite3_column_bytes16(st, 4) != c->ncp * 2 ||
                    memcmp(t16, c->cp, c->ncp * 2) != 0)
                    bad = "txt (UTF-16)";
            }
        }
        if (!bad) {
            int type = sqlite3_column_type(st, 5);
            if (!c->has_blob) {
                if (type != SQLITE_NULL) bad = "b (should be NULL)";
            } else {
                const void *b = sqlite3_column_blob(st, 5);
                if (type != SQLITE_BLOB || (size_t)sqlite3_column_bytes(st, 5) != c->nblob ||
                    memcmp(b, c->blob, c->nblob) != 0)
                    bad = "b";
            }
        }
        if (bad) {
            snprintf(err, errlen, "row id %" PRId64 " (kind %d): column %s differs from the model",
                     id, w->k, bad);
            goto out;
        }
    }
    if (src != SQLITE_DONE) {
        snprintf(err, errlen, "select rows: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (i != m->cur.n) {
        snprintf(err, errlen, "database has %zu rows, model has %zu (first missing id %" PRId64 ")",
                 i, m->cur.n, m->cur.v[i].id);
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    free(c);
    return rc;
}

/* Opens an existing (or new) cache through a VFS and applies the client's
 * connection settings. */
AW sqlite3 *aw_open(const char *path, const char *vfs, int create, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &db, flags, vfs) != SQLITE_OK) {
        snprintf(err, errlen, "open: %s", db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    if (nx_store_harden(db, err, errlen) != 0) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

AW void aw_key_from_seed(uint64_t seed, unsigned char key[NX_KEY_BYTES])
{
    for (int i = 0; i < NX_KEY_BYTES; i += 8) {
        uint64_t x = aw_h(seed, -2, 'K', (uint64_t)i);
        memcpy(key + i, &x, 8);
    }
}

AW void aw_hex(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", in[i]);
}

#ifndef AW_NO_MAIN
static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int die(int code, const char *what, const char *why)
{
    fprintf(stderr, "atrest_writer: %s: %s\n", what, why);
    return code;
}

static int run(int argc, char **argv, sqlite3 **dbp, nx_cryptvfs **vp, aw_sql *sql,
               aw_model *model)
{
    char err[512] = "";
    if (argc != 8)
        return die(2, "usage", "atrest_writer DB PROGRESS SEED FROM ALT MAXSTEPS VERIFY");
    const char *db_path = argv[1], *progress = argv[2];
    uint64_t seed = strtoull(argv[3], NULL, 10);
    int64_t from = strtoll(argv[4], NULL, 10), alt = strtoll(argv[5], NULL, 10);
    int64_t maxsteps = strtoll(argv[6], NULL, 10);
    int verify = atoi(argv[7]);

    const char *hex = getenv("NX_ATREST_KEY");
    unsigned char key[NX_KEY_BYTES];
    if (!hex || strlen(hex) != 2 * NX_KEY_BYTES) return die(2, "NX_ATREST_KEY", "missing");
    for (int i = 0; i < NX_KEY_BYTES; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return die(2, "NX_ATREST_KEY", "not hex");
        key[i] = (unsigned char)(hi * 16 + lo);
    }
    if (nx_crypt_init() != 0) return die(2, "nx_crypt_init", "failed");

    static aw_marks mk;
    aw_marks_make(seed, &mk);
    if (spyvfs_register(AW_SPY_NAME) || aw_marks_to_spy(&mk))
        return die(2, "spy", "cannot register");
    const char *log = getenv("NX_ATREST_SPYLOG");
    if (log && spyvfs_set_log(log)) return die(2, "spy log", strerror(errno));

    *vp = nx_cryptvfs_new(key, AW_SPY_NAME, err, sizeof err);
    memset(key, 0, sizeof key);
    if (!*vp) return die(2, "nx_cryptvfs_new", err);
    if (!(*dbp = aw_open(db_path, nx_cryptvfs_name(*vp), 0, err, sizeof err)))
        return die(4, "open", err);
    int64_t at = aw_db_step(*dbp);     /* the first read rolls back a hot journal */
    if (at != from && !(alt && at == alt)) {
        snprintf(err, sizeof err, "database is at step %" PRId64 ", expected %" PRId64
                 " or %" PRId64, at, from, alt);
        return die(4, "start", err);
    }
    if (aw_sql_init(sql, *dbp, &mk)) return die(4, "prepare", sql->err);
    sql->progress_fd = open(progress, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (sql->progress_fd < 0) return die(2, "progress file", strerror(errno));
    if (aw_progress(sql, "start", at)) return die(2, "progress file", sql->err);
    if (verify) aw_model_advance(model, seed, at);

    const char *ready = getenv("NX_ATREST_READY_FD");
    if (ready) {
        sql->signal_fd = atoi(ready);
        if (write(sql->signal_fd, "R", 1) != 1) return die(2, "ready fd", strerror(errno));
    }
    for (int64_t step = at + 1; step <= at + maxsteps; step++) {
        if (aw_sql_step(sql, seed, step)) {
            fprintf(stderr, "atrest_writer: workload: step %" PRId64 " (%s): %s\n", step,
                    aw_kind_name[aw_step_kind(seed, step)], sql->err);
            return 4;
        }
        if (spyvfs_hits())
            return die(3, "spy hit (plaintext reached the disk)", spyvfs_first_hit());
        if (verify) {
            aw_step(seed, step, aw_model_exec, model);
            if (aw_check(*dbp, model, &mk, err, sizeof err)) {
                fprintf(stderr, "atrest_writer: verify: after step %" PRId64 ": %s\n", step, err);
                return 5;
            }
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    sqlite3 *db = NULL;
    nx_cryptvfs *v = NULL;
    aw_sql sql = { .progress_fd = -1, .signal_fd = -1 };
    aw_model model;
    aw_model_init(&model);
    int rc = run(argc, argv, &db, &v, &sql, &model);
    aw_sql_done(&sql);
    if (sql.progress_fd >= 0) close(sql.progress_fd);
    if (sql.signal_fd >= 0) close(sql.signal_fd);
    if (db && sqlite3_close(db) != SQLITE_OK && rc == 0) rc = die(4, "close", "busy");
    if (v) nx_cryptvfs_free(v);
    aw_model_free(&model);
    spyvfs_set_log(NULL);
    spyvfs_reset();
    spyvfs_clear_markers();
    return rc;
}
#endif
