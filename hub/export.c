/* hub/export — `nexus-hub export` for backups and audits: every item (the
 * archive too) as JSON Lines in the schema import reads (hub/IMPORT.md), so
 * an export imports again unchanged. The file is sealed to an
 * administrator's X25519 public key with crypto_box_seal: the hub itself
 * cannot read it back, and a copied file is useless without the secret
 * key. Plaintext only with --plaintext (main.c warns on stderr).
 *
 * Sealed file: the line "nexus-hub-export-v1\n", then crypto_box_seal of
 * the whole JSON Lines text. Key files hold 64 hex digits (export-key).
 * Not carried: clients (add them with `client add` before importing),
 * status history, attempts, attachments, disclosures, conflicts, audit. */
#include "hub/store_int.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char magic[] = "nexus-hub-export-v1\n";
#define MAGIC_LEN (sizeof magic - 1)

/* ---- a wiped growing buffer ------------------------------------------------------ */

typedef struct {
    unsigned char *p;
    size_t len, cap;
    int failed;
} buf;

static int buf_add(const char *data, size_t n, void *arg)
{
    buf *b = arg;
    if (b->failed)
        return -1;
    if (b->len + n + 1 > b->cap) {
        unsigned char *q = nx_regrow_wiped(b->p, b->len, &b->cap, b->len + n + 1, 1 << 16);
        if (!q) {
            b->failed = 1;
            return -1;
        }
        b->p = q;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return 0;
}

static void buf_free(buf *b)
{
    if (b->p) {
        sodium_memzero(b->p, b->cap);
        free(b->p);
    }
    memset(b, 0, sizeof *b);
}

/* ---- items as JSON ------------------------------------------------------------------ */

static int set_str(json_t *o, const char *k, const char *v)
{
    return json_object_set_new(o, k, json_string(v ? v : ""));
}

static int add_fields(nx_hub *h, json_t *item, const char *id)
{
    static const char sql[] = "SELECT field, value FROM item_fields WHERE item_id = ?1 ORDER BY field";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, id);
    json_t *f = json_object();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        set_str(f, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1));
    sqlite3_reset(st);
    if (json_object_size(f))
        json_object_set_new(item, "fields", f);
    else
        json_decref(f);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int add_notes(nx_hub *h, json_t *item, const char *id)
{
    static const char sql[] = "SELECT at, author, body FROM notes WHERE item_id = ?1 ORDER BY id";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, id);
    json_t *a = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *n = json_object();
        json_object_set_new(n, "at", json_integer(sqlite3_column_int64(st, 0)));
        set_str(n, "author", (const char *)sqlite3_column_text(st, 1));
        set_str(n, "body", (const char *)sqlite3_column_text(st, 2));
        json_array_append_new(a, n);
    }
    sqlite3_reset(st);
    if (json_array_size(a))
        json_object_set_new(item, "notes", a);
    else
        json_decref(a);
    return rc == SQLITE_DONE ? 0 : -1;
}

static const char items_sql[] =
    "SELECT i.id, i.kind, i.client_id, i.status, i.priority, i.assignee, i.team,"
    "  coalesce(i.due, 0), coalesce(i.follow_up, 0), i.created, i.updated, coalesce(i.closed, 0),"
    "  coalesce(i.linked_item, ''), p.id, p.family_name, p.given_name, p.dob, p.phone,"
    "  p.alt_phone, p.email, p.address, p.mrn, p.member_id, p.payer, p.confidential_comm,"
    "  p.restriction"
    " FROM items AS i JOIN patients AS p ON p.id = i.patient_id ORDER BY i.id";

static const char *const patient_cols[] = {
    "family_name", "given_name", "dob", "phone", "alt_phone", "email", "address", "mrn",
    "member_id", "payer", "confidential_comm", "restriction",
};

static json_t *item_json(sqlite3_stmt *st)
{
    json_t *o = json_object();
    const char *id = (const char *)sqlite3_column_text(st, 0);
    set_str(o, "id", id);
    set_str(o, "kind", (const char *)sqlite3_column_text(st, 1));
    set_str(o, "client", (const char *)sqlite3_column_text(st, 2));
    json_t *p = json_object();
    set_str(p, "id", (const char *)sqlite3_column_text(st, 13));
    for (int k = 0; k < 12; k++) {
        const char *v = (const char *)sqlite3_column_text(st, 14 + k);
        if (v && *v)
            set_str(p, patient_cols[k], v);
    }
    json_object_set_new(o, "patient", p);
    set_str(o, "status", (const char *)sqlite3_column_text(st, 3));
    set_str(o, "priority", sqlite3_column_int(st, 4) ? "urgent" : "routine");
    static const struct { int col; const char *key; } txt[] = {
        { 5, "assignee" }, { 6, "team" }, { 12, "linked_item" },
    };
    for (size_t k = 0; k < sizeof txt / sizeof txt[0]; k++) {
        const char *v = (const char *)sqlite3_column_text(st, txt[k].col);
        if (v && *v)
            set_str(o, txt[k].key, v);
    }
    static const struct { int col; const char *key; } times[] = {
        { 7, "due" }, { 8, "follow_up" }, { 9, "created" }, { 10, "updated" }, { 11, "closed" },
    };
    for (size_t k = 0; k < sizeof times / sizeof times[0]; k++) {
        int64_t t = sqlite3_column_int64(st, times[k].col);
        if (t)
            json_object_set_new(o, times[k].key, json_integer(t));
    }
    return o;
}

static int export_lines(nx_hub *h, buf *out, int64_t *count)
{
    sqlite3_stmt *st = nx_hub_stmt(h, items_sql);
    if (!st)
        return -1;
    int rc, bad = 0;
    while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = item_json(st);
        const char *id = (const char *)sqlite3_column_text(st, 0);
        bad = add_fields(h, o, id) || add_notes(h, o, id) ||
              json_dump_callback(o, buf_add, out, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0 ||
              buf_add("\n", 1, out) != 0;
        json_decref(o);
        (*count)++;
    }
    sqlite3_reset(st);
    return bad || rc != SQLITE_DONE ? -1 : 0;
}

/* ---- keys ----------------------------------------------------------------------------- */

/* 64 hex digits, from the argument itself or the first line of the file it
 * names. */
static int read_hex_key(const char *arg, unsigned char *key, size_t n, const char *what,
                        char *err, size_t errlen)
{
    char hex[2 * 64 + 1];
    if (strlen(arg) == 2 * n && nx_hex_decode(arg, key, n) == 0)
        return 0;
    char *data = NULL;
    size_t len = 0;
    if (nx_read_file(arg, 4096, &data, &len, err, errlen) != 0)
        return nx_err(err, errlen, "%s: neither %zu hex digits nor a readable key file", what, 2 * n);
    size_t k = 0;
    while (k < len && k < 2 * n && data[k] != '\n')
        k++;
    int ok = k == 2 * n && (len == k || data[k] == '\n');
    if (ok) {
        memcpy(hex, data, k);
        hex[k] = '\0';
        ok = nx_hex_decode(hex, key, n) == 0;
    }
    sodium_memzero(data, len);
    sodium_memzero(hex, sizeof hex);
    free(data);
    if (!ok)
        return nx_err(err, errlen, "%s: %s does not hold %zu hex digits", what, arg, 2 * n);
    return 0;
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int nx_hub_export(nx_hub *h, const char *to, const char *recipient, int plaintext,
                  int64_t *count, char *err, size_t errlen)
{
    unsigned char pk[crypto_box_PUBLICKEYBYTES];
    int64_t n = 0;
    if (count)
        *count = 0;
    if (!plaintext && (!recipient ||
                       read_hex_key(recipient, pk, sizeof pk, "recipient", err, errlen) != 0))
        return recipient ? -1 : nx_err(err, errlen, "a recipient public key is required");
    if (exists(to))
        return nx_err(err, errlen, "%s exists: an export never overwrites a file", to);
    nx_hub_json_init();
    buf out = { 0 };
    int rc = -1;
    /* One read transaction: a consistent snapshot. */
    if (sqlite3_exec(nx_hub_db(h), "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return nx_err(err, errlen, "cannot read the store: %s", nx_hub_errmsg(h));
    if (export_lines(h, &out, &n) != 0 || out.failed)
        nx_err(err, errlen, "cannot read the items: %s", out.failed ? "out of memory" : nx_hub_errmsg(h));
    else
        rc = 0;
    (void)sqlite3_exec(nx_hub_db(h), "COMMIT", NULL, NULL, NULL);
    if (rc == 0) {
        if (plaintext)
            rc = nx_write_atomic(to, out.p ? out.p : (unsigned char *)"", out.len, err, errlen);
        else {
            size_t sl = MAGIC_LEN + crypto_box_SEALBYTES + out.len;
            unsigned char *sealed = malloc(sl);
            if (!sealed)
                rc = nx_err(err, errlen, "out of memory");
            else {
                memcpy(sealed, magic, MAGIC_LEN);
                crypto_box_seal(sealed + MAGIC_LEN, out.p ? out.p : (unsigned char *)"", out.len, pk);
                rc = nx_write_atomic(to, sealed, sl, err, errlen);
                free(sealed);
            }
        }
    }
    buf_free(&out);
    if (rc == 0) {
        char reason[96];
        snprintf(reason, sizeof reason, "items=%" PRId64 " %s", n, plaintext ? "plaintext" : "sealed");
        nx_hub_event ev = { .action = NX_HUB_ACT_EXPORT, .reason = reason };
        if (nx_hub_audit_log(h, &ev, err, errlen) != 0) {
            /* No export without its audit event. */
            unlink(to);
            return -1;
        }
        if (count)
            *count = n;
    }
    return rc;
}

int nx_hub_export_keygen(const char *pub_path, const char *sec_path, char *err, size_t errlen)
{
    unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    char hex[2 * crypto_box_SECRETKEYBYTES + 2];
    if (exists(pub_path) || exists(sec_path))
        return nx_err(err, errlen, "%s or %s exists: key files are never overwritten",
                      pub_path, sec_path);
    crypto_box_keypair(pk, sk);
    nx_hex_encode(sk, sizeof sk, hex);
    strcat(hex, "\n");
    int fd = open(sec_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    int rc = -1;
    if (fd < 0)
        nx_err(err, errlen, "%s: cannot create: %s", sec_path, strerror(errno));
    else {
        size_t len = strlen(hex);
        int ok = write(fd, hex, len) == (ssize_t)len && fsync(fd) == 0;
        ok &= close(fd) == 0;
        if (!ok) {
            unlink(sec_path);
            nx_err(err, errlen, "%s: cannot write", sec_path);
        } else {
            nx_hex_encode(pk, sizeof pk, hex);
            strcat(hex, "\n");
            rc = nx_write_atomic(pub_path, hex, strlen(hex), err, errlen);
            if (rc != 0)
                unlink(sec_path);
        }
    }
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(hex, sizeof hex);
    return rc;
}

int nx_hub_export_open(const char *in_path, const char *sec_path, const char *out_path,
                       char *err, size_t errlen)
{
    unsigned char sk[crypto_box_SECRETKEYBYTES], pk[crypto_box_PUBLICKEYBYTES];
    if (read_hex_key(sec_path, sk, sizeof sk, "secret key", err, errlen) != 0)
        return -1;
    crypto_scalarmult_base(pk, sk);
    char *data = NULL;
    size_t len = 0;
    int rc = -1;
    if (exists(out_path))
        nx_err(err, errlen, "%s exists: never overwritten", out_path);
    else if (nx_read_file(in_path, (size_t)1 << 34, &data, &len, err, errlen) != 0)
        ;
    else if (len < MAGIC_LEN + crypto_box_SEALBYTES || memcmp(data, magic, MAGIC_LEN) != 0)
        nx_err(err, errlen, "%s: not a sealed nexus-hub export", in_path);
    else {
        size_t pl = len - MAGIC_LEN - crypto_box_SEALBYTES;
        unsigned char *plain = malloc(pl + 1);
        if (!plain)
            nx_err(err, errlen, "out of memory");
        else if (crypto_box_seal_open(plain, (unsigned char *)data + MAGIC_LEN,
                                      len - MAGIC_LEN, pk, sk) != 0)
            nx_err(err, errlen, "%s: cannot open: another recipient's key, or the file was "
                   "altered", in_path);
        else
            rc = nx_write_atomic(out_path, plain, pl, err, errlen);
        if (plain) {
            sodium_memzero(plain, pl + 1);
            free(plain);
        }
    }
    free(data);
    sodium_memzero(sk, sizeof sk);
    return rc;
}
