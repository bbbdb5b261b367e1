/* hub/admin — the administrator's commands on the central store: clients
 * (clinics), users bound to SSH keys (and the authorized_keys line that
 * binds them, the gitolite pattern), revocation, the banner and emergency
 * mode. Each writes its change and a hub audit event in one transaction,
 * and checks every input before anything is written. */
#include "hub/store_int.h"
#include "domain/clock.h"
#include "domain/roles.h"
#include "util/util.h"

#include <libssh/libssh.h>
#include <stdio.h>
#include <string.h>

/* Commits the open transaction with one audit event, or rolls it back. */
static int finish(nx_hub *h, const nx_hub_event *ev, char *err, size_t errlen)
{
    if (nx_hub_audit(h, ev, err, errlen) != 0) {
        nx_hub_rollback(h);
        return -1;
    }
    if (nx_hub_commit(h) != 0) {
        nx_err(err, errlen, "cannot commit: %s", nx_hub_errmsg(h));
        nx_hub_rollback(h);
        return -1;
    }
    return 0;
}

static int begin(nx_hub *h, char *err, size_t errlen)
{
    if (nx_hub_begin(h) != 0)
        return nx_err(err, errlen, "cannot start a transaction: %s", nx_hub_errmsg(h));
    return 0;
}

/* One line of printable text (UTF-8 allowed, no control characters). */
static int text_ok(const char *s, size_t max, int newlines)
{
    size_t n = strlen(s);
    if (n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(newlines && c == '\n')) || c == 0x7f)
            return 0;
    }
    /* Valid UTF-8 (the protocol refuses anything else): no overlong
     * forms, no surrogates, nothing above U+10FFFF. */
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        size_t k;
        unsigned char lo = 0x80, hi = 0xbf;
        if (c < 0x80)
            k = 0;
        else if (c >= 0xc2 && c <= 0xdf)
            k = 1;
        else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            if (c == 0xe0)
                lo = 0xa0;
            if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            if (c == 0xf0)
                lo = 0x90;
            if (c == 0xf4)
                hi = 0x8f;
        } else
            return 0;
        if (i + k >= n + (k == 0))
            return 0;
        for (size_t j = 1; j <= k; j++) {
            unsigned char lo_j = j == 1 ? lo : 0x80, hi_j = j == 1 ? hi : 0xbf;
            if (u[i + j] < lo_j || u[i + j] > hi_j)
                return 0;
        }
        i += k + 1;
    }
    return 1;
}

/* ---- clients --------------------------------------------------------------------- */

int nx_hub_client_add(nx_hub *h, const nx_hub_client_spec *c, char *err, size_t errlen)
{
    static const char sql[] =
        "INSERT INTO clients(id, name, tz, escalation, holidays, verify_lead_hours)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
    nx_holidays hol;
    char e2[256];
    if (!c->id || !nx_hub_name_ok(c->id))
        return nx_err(err, errlen, "client id: letters, digits, '.', '_', '-' or ':' "
                      "(at most %d)", NX_NAME_MAX - 1);
    if (!c->name || !*c->name || !text_ok(c->name, 127, 0))
        return nx_err(err, errlen, "client %s: a name is one line of at most 127 bytes", c->id);
    if (!c->tz || nx_clock_check_tz(c->tz, e2, sizeof e2) != 0)
        return nx_err(err, errlen, "client %s: %s", c->id,
                      c->tz ? e2 : "a time zone is required (--tz America/New_York)");
    if (c->holidays && nx_holidays_parse(c->holidays, &hol, e2, sizeof e2) != 0)
        return nx_err(err, errlen, "client %s: %s", c->id, e2);
    if (c->holidays && strlen(c->holidays) >= 1024)
        return nx_err(err, errlen, "client %s: holidays: at most 1023 bytes", c->id);
    if (c->escalation && !text_ok(c->escalation, 127, 0))
        return nx_err(err, errlen, "client %s: the escalation contact is one line of at most "
                      "127 bytes", c->id);
    if (c->verify_lead_hours < 0 || c->verify_lead_hours > 24 * 60)
        return nx_err(err, errlen, "client %s: verify lead hours: 1 to 1440", c->id);
    nx_client_rec have;
    int found = nx_store_client_get(h->store, c->id, &have);
    if (found < 0)
        return nx_err(err, errlen, "cannot read clients: %s", nx_hub_errmsg(h));
    if (found)
        return nx_err(err, errlen, "client %s already exists", c->id);
    if (begin(h, err, errlen))
        return -1;
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st) {
        nx_hub_rollback(h);
        return nx_err(err, errlen, "cannot add the client: %s", nx_hub_errmsg(h));
    }
    nx_hub_bind(st, 1, c->id);
    nx_hub_bind(st, 2, c->name);
    nx_hub_bind(st, 3, c->tz);
    nx_hub_bind(st, 4, c->escalation);
    nx_hub_bind(st, 5, c->holidays);
    sqlite3_bind_int(st, 6, c->verify_lead_hours ? c->verify_lead_hours : 72);
    if (nx_hub_step_done(st) != 0) {
        nx_err(err, errlen, "client %s: cannot add: %s", c->id, nx_hub_errmsg(h));
        nx_hub_rollback(h);
        return -1;
    }
    char reason[128];
    snprintf(reason, sizeof reason, "client=%s", c->id);
    nx_hub_event ev = { .action = NX_HUB_ACT_CLIENT_ADD, .reason = reason };
    return finish(h, &ev, err, errlen);
}

/* ---- users ----------------------------------------------------------------------- */

int nx_hub_pubkey_check(const char *line, char *out, size_t outlen, char *err, size_t errlen)
{
    static const char type[] = "ssh-ed25519";
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    if (memchr(line, '\n', n) || memchr(line, '\r', n))
        return nx_err(err, errlen, "the public key file must hold exactly one line");
    if (n < sizeof type || strncmp(line, type, sizeof type - 1) != 0 || line[sizeof type - 1] != ' ')
        return nx_err(err, errlen, "not an ed25519 public key: expected one line "
                      "'ssh-ed25519 AAAA...' (as 'nexus key' prints it)");
    const char *b = line + sizeof type;
    size_t bl = 0;
    while (b + bl < line + n && b[bl] != ' ') {
        char ch = b[bl];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '+' || ch == '/' || ch == '='))
            return nx_err(err, errlen, "the public key's base64 part holds a character that "
                          "is not base64");
        bl++;
    }
    for (const char *p = b + bl; p < line + n; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return nx_err(err, errlen, "the public key's comment holds control characters");
    if (bl == 0 || bl >= 512 || sizeof type + bl + 1 > outlen)
        return nx_err(err, errlen, "the public key's base64 part is missing or too long");
    char b64[512];
    memcpy(b64, b, bl);
    b64[bl] = '\0';
    ssh_key key = NULL;
    int rc = ssh_pki_import_pubkey_base64(b64, SSH_KEYTYPE_ED25519, &key);
    int ok = rc == SSH_OK && key && ssh_key_type(key) == SSH_KEYTYPE_ED25519;
    ssh_key_free(key);
    if (!ok)
        return nx_err(err, errlen, "the public key does not decode as an ed25519 key");
    snprintf(out, outlen, "%s %s", type, b64);
    return 0;
}

int nx_hub_user_add(nx_hub *h, const char *name, const char *role, const char *team,
                    const char *pubkey_line, char *err, size_t errlen)
{
    nx_hub_user u;
    memset(&u, 0, sizeof u);
    if (!name || !nx_hub_name_ok(name) || strchr(name, ':'))
        return nx_err(err, errlen, "user name: letters, digits, '.', '_' or '-', starting with "
                      "a letter or digit (at most %d)", NX_NAME_MAX - 1);
    if (!role || nx_role_parse(role) < 0)
        return nx_err(err, errlen, "user %s: role must be one of: %s", name, nx_role_list());
    if (!team || !nx_hub_name_ok(team))
        return nx_err(err, errlen, "user %s: team: letters, digits, '.', '_', '-' or ':' "
                      "(at most %d)", name, NX_NAME_MAX - 1);
    if (!pubkey_line)
        return nx_err(err, errlen, "user %s: a public key is required", name);
    char e2[256];
    if (nx_hub_pubkey_check(pubkey_line, u.pubkey, sizeof u.pubkey, e2, sizeof e2) != 0)
        return nx_err(err, errlen, "user %s: %s", name, e2);
    nx_hub_user have;
    int found = nx_hub_user_get(h, name, &have);
    if (found < 0)
        return nx_err(err, errlen, "cannot read users: %s", nx_hub_errmsg(h));
    if (found && have.revoked_at)
        return nx_err(err, errlen, "user %s was revoked; a revoked name is never reused "
                      "(add the person under a new name)", name);
    if (found)
        return nx_err(err, errlen, "user %s already exists", name);
    snprintf(u.name, sizeof u.name, "%s", name);
    snprintf(u.role, sizeof u.role, "%s", role);
    snprintf(u.team, sizeof u.team, "%s", team);
    u.created = nx_now();
    if (begin(h, err, errlen))
        return -1;
    if (nx_hub_user_insert(h, &u) != 0) {
        int dup = sqlite3_extended_errcode(nx_hub_db(h)) == SQLITE_CONSTRAINT_UNIQUE;
        nx_hub_rollback(h);
        if (dup)
            return nx_err(err, errlen, "user %s: this key already belongs to another user "
                          "(one key, one user)", name);
        return nx_err(err, errlen, "user %s: cannot add: %s", name, nx_hub_errmsg(h));
    }
    char reason[256];
    snprintf(reason, sizeof reason, "user=%s role=%s team=%s", name, role, team);
    nx_hub_event ev = { .action = NX_HUB_ACT_USER_ADD, .reason = reason };
    return finish(h, &ev, err, errlen);
}

typedef struct {
    nx_hub *h;
    int64_t at;
    int failed;
} revoke_walk;

static int revoke_device_cb(void *arg, const nx_hub_device *d)
{
    revoke_walk *w = arg;
    if (!d->revoked_at && nx_hub_device_set_revoked(w->h, d->id, w->at) < 0)
        w->failed = 1;
    return w->failed;
}

int nx_hub_user_revoke(nx_hub *h, const char *name, char *err, size_t errlen)
{
    nx_hub_user u;
    int found = name ? nx_hub_user_get(h, name, &u) : 0;
    if (found < 0)
        return nx_err(err, errlen, "cannot read users: %s", nx_hub_errmsg(h));
    if (!found)
        return nx_err(err, errlen, "no user %s", name ? name : "(none given)");
    if (u.revoked_at)
        return nx_err(err, errlen, "user %s is already revoked", name);
    if (begin(h, err, errlen))
        return -1;
    /* The user and every device of theirs: the next sync of any of them
     * erases its cache. */
    revoke_walk w = { h, nx_now(), 0 };
    if (nx_hub_user_set_revoked(h, name, w.at) != 0 ||
        nx_hub_devices_each(h, name, revoke_device_cb, &w) != 0 || w.failed) {
        nx_err(err, errlen, "user %s: cannot revoke: %s", name, nx_hub_errmsg(h));
        nx_hub_rollback(h);
        return -1;
    }
    char reason[128];
    snprintf(reason, sizeof reason, "user=%s", name);
    nx_hub_event ev = { .action = NX_HUB_ACT_USER_REVOKE, .reason = reason };
    return finish(h, &ev, err, errlen);
}

int nx_hub_device_revoke(nx_hub *h, const char *device, char *err, size_t errlen)
{
    nx_hub_device d;
    int found = device ? nx_hub_device_get(h, device, &d) : 0;
    if (found < 0)
        return nx_err(err, errlen, "cannot read devices: %s", nx_hub_errmsg(h));
    if (!found)
        return nx_err(err, errlen, "no device %s (a device is known after its first sync)",
                      device ? device : "(none given)");
    if (d.revoked_at)
        return nx_err(err, errlen, "device %s is already revoked", device);
    if (begin(h, err, errlen))
        return -1;
    if (nx_hub_device_set_revoked(h, device, nx_now()) != 0) {
        nx_err(err, errlen, "device %s: cannot revoke: %s", device, nx_hub_errmsg(h));
        nx_hub_rollback(h);
        return -1;
    }
    char reason[128];
    snprintf(reason, sizeof reason, "user=%s", d.user);
    nx_hub_event ev = { .action = NX_HUB_ACT_DEVICE_REVOKE, .device = device, .reason = reason };
    return finish(h, &ev, err, errlen);
}

/* Paths go into a command sshd runs through the account's shell, inside
 * double quotes of authorized_keys: only characters that need no quoting
 * in either place. */
static int path_ok(const char *p)
{
    if (!p || p[0] != '/')
        return 0;
    for (; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '.' || c == '_' || c == '-' || c == '+' || c == ',' ||
              c == ':' || c == '@' || c == '%'))
            return 0;
    }
    return 1;
}

int nx_hub_authorized_line(nx_hub *h, const char *exe, const char *user, int with_key_file,
                           char *out, size_t outlen, char *err, size_t errlen)
{
    nx_hub_user u;
    int found = nx_hub_user_get(h, user, &u);
    if (found <= 0)
        return nx_err(err, errlen, "no user %s", user);
    const char *paths[] = { exe, h->dir, with_key_file ? h->key_file : "/" };
    for (int i = 0; i < 3; i++)
        if (!path_ok(paths[i]))
            return nx_err(err, errlen, "%s: an absolute path of letters, digits and "
                          "/ . _ - + , : @ %% only is needed in the forced command", paths[i]);
    int n;
    if (with_key_file)
        n = snprintf(out, outlen, "restrict,command=\"%s serve --store %s --key-file %s --user %s\" "
                     "%s %s", exe, h->dir, h->key_file, u.name, u.pubkey, u.name);
    else
        n = snprintf(out, outlen, "restrict,command=\"%s serve --store %s --user %s\" %s %s",
                     exe, h->dir, u.name, u.pubkey, u.name);
    if (n < 0 || (size_t)n >= outlen)
        return nx_err(err, errlen, "the authorized_keys line is too long");
    return 0;
}

/* ---- banner and emergency ---------------------------------------------------------- */

int nx_hub_banner_set(nx_hub *h, const char *text, char *err, size_t errlen)
{
    if (text && (!*text || !text_ok(text, NX_HUB_BANNER_MAX - 1, 1)))
        return nx_err(err, errlen, "a banner is text of 1 to %d bytes (lines, no other control "
                      "characters)", NX_HUB_BANNER_MAX - 1);
    if (begin(h, err, errlen))
        return -1;
    if (nx_hub_setting_set(h, "banner", text ? text : "") != 0) {
        nx_err(err, errlen, "cannot set the banner: %s", nx_hub_errmsg(h));
        nx_hub_rollback(h);
        return -1;
    }
    char reason[64];
    if (text)
        snprintf(reason, sizeof reason, "set (%zu bytes)", strlen(text));
    else
        snprintf(reason, sizeof reason, "clear");
    nx_hub_event ev = { .action = NX_HUB_ACT_BANNER, .reason = reason };
    return finish(h, &ev, err, errlen);
}

int nx_hub_emergency_set(nx_hub *h, int on, char *err, size_t errlen)
{
    if (begin(h, err, errlen))
        return -1;
    if (nx_hub_setting_set(h, "emergency", on ? "1" : "0") != 0) {
        nx_err(err, errlen, "cannot set emergency mode: %s", nx_hub_errmsg(h));
        nx_hub_rollback(h);
        return -1;
    }
    nx_hub_event ev = { .action = NX_HUB_ACT_EMERGENCY,
                        .reason = on ? "on (offline grace 72 h)" : "off" };
    return finish(h, &ev, err, errlen);
}
