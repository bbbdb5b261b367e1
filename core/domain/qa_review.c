/* core/domain/qa_review.c — the scorecards of the SOPs, the score and the
 * overall rule, the QA records' ids and bodies, and their kind rules
 * (qa_review.h says what each is and why). */
#include "domain/qa_review.h"
#include "util/jsonz.h"
#include "util/util.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the scorecards ----------------------------------------------------------------- */

#define IDENTITY(help) { "identity_verified", "Identity verified", help }
#define MINIMUM(help) { "minimum_necessary", "Minimum necessary", help }
#define CHANNEL(help) { "correct_channel", "Correct channel", help }
#define DOCUMENTED(help) { "documentation_complete", "Documentation complete", help }
#define FAX { "fax_verified", "Fax number verified, confirmation attached",                  \
              "If faxed: number confirmed by callback or directory, cover sheet used, "      \
              "confirmation page attached to the case; n/a when not faxed (§7.7)" }

static const nx_qa_check sched_checks[] = {
    IDENTITY("Confirmed with the client's approved verification steps before anything was "
             "discussed (§7.2)"),
    { "approved_script", "Approved script or template",
      "The client-approved script or message template was used (§7.2, App. F)" },
    { "no_sensitive_text", "No sensitive data in SMS/email",
      "No clinical detail in a plain-text SMS or email (§7.2); n/a when neither was sent" },
    MINIMUM("Only the information the call or message needed was used or disclosed (§6)"),
    CHANNEL("A channel the patient consented to; confidential-communication requests "
            "honoured (§7.2, §8)"),
    DOCUMENTED("Each outreach logged with time, outcome and next action (§7.2)"),
    { "escalation_followed", "Escalation followed",
      "Complaints and urgent clinical items went up the client's escalation tree (§7.2); "
      "n/a when there was none" },
};

static const nx_qa_check elig_checks[] = {
    IDENTITY("Patient demographics and member ID matched the payer's record (§7.3)"),
    MINIMUM("Only what the payer needed: for coordination of benefits, dates of service and "
            "policy dates (seed 004)"),
    CHANNEL("Verified through the payer portal or clearinghouse, an approved system (§7.3)"),
    DOCUMENTED("Findings and coverage confirmation documented: deductible, copay or "
               "coinsurance, plan limits, reference (§7.3)"),
    { "preauth_flagged", "Pre-auth need flagged",
      "A prior-auth need was flagged and handed off to the Prior Auth SOP (§7.3); n/a when "
      "none was needed" },
};

static const nx_qa_check pa_checks[] = {
    IDENTITY("Member ID and patient matched the payer's record (§7.4)"),
    MINIMUM("Only the documentation the payer's criteria ask for was sent (§7.4)"),
    CHANNEL("Submitted through the payer portal or a verified fax (§7.4)"),
    DOCUMENTED("Tracker complete: member ID, DX/CPT, documents, notes, due dates (App. E)"),
    FAX,
    { "followup_on_time", "Follow-up on time",
      "Status followed up within the payer's timelines: 48-72 h, urgent 24-48 h; denials "
      "prepared for appeal (§7.4)" },
};

static const nx_qa_check roi_checks[] = {
    { "authorization_valid", "Authorization valid",
      "Documented client authorization and legal basis, every element present, not expired "
      "or revoked (App. D; seed 004 §4)" },
    { "identity_verified", "Recipient identity verified",
      "Identity and authority of the recipient entity verified (App. D)" },
    { "secure_channel", "Secure channel",
      "Sent through an approved secure channel with the cover sheet and minimal data "
      "(App. D; §7.6)" },
    { "logging_complete", "Logging complete",
      "Request, follow-ups, receipt and release logged; accounting entry where required "
      "(App. D; §7.6)" },
    MINIMUM("Only the scope and date range the authorization covers (§7.6)"),
    FAX,
};

#define N(a) (sizeof a / sizeof a[0])

static const struct {
    const nx_qa_check *checks;
    size_t n;
} cards[NX_KIND_COUNT] = {
    [NX_KIND_SCHEDULING] = { sched_checks, N(sched_checks) },
    [NX_KIND_ELIGIBILITY] = { elig_checks, N(elig_checks) },
    [NX_KIND_PRIOR_AUTH] = { pa_checks, N(pa_checks) },
    [NX_KIND_ROI] = { roi_checks, N(roi_checks) },
};

_Static_assert(N(sched_checks) <= NX_QA_CHECKS_MAX && N(elig_checks) <= NX_QA_CHECKS_MAX &&
                   N(pa_checks) <= NX_QA_CHECKS_MAX && N(roi_checks) <= NX_QA_CHECKS_MAX,
               "a scorecard fits NX_QA_CHECKS_MAX");

size_t nx_qa_scorecard(nx_kind k, const nx_qa_check **out)
{
    if ((unsigned)k >= NX_KIND_COUNT) {
        *out = NULL;
        return 0;
    }
    *out = cards[k].checks;
    return cards[k].n;
}

static const char *const result_names[] = { "na", "pass", "fail" };

const char *nx_qa_result_name(nx_qa_result r)
{
    return (unsigned)r < 3 ? result_names[r] : "?";
}

int nx_qa_result_parse(const char *s)
{
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, result_names[i]) == 0)
            return i;
    return -1;
}

int nx_qa_tally_of(const nx_qa_result *r, size_t n, nx_qa_tally *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        if (r[i] == NX_QA_PASS)
            out->pass++;
        else if (r[i] == NX_QA_FAIL)
            out->fail++;
        else
            out->na++;
    }
    int applicable = out->pass + out->fail;
    out->passed = out->fail == 0 && applicable > 0;
    if (!applicable)
        return -1;
    out->score = (100 * out->pass + applicable / 2) / applicable;
    return 0;
}

/* ---- ids --------------------------------------------------------------------------- */

static int hex_id(const char *prefix, const unsigned char h[16], char out[40])
{
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, h, 16);
    snprintf(out, 40, "%s%s", prefix, hex);
    return 0;
}

int nx_qa_sample_id(const char *rule, const char *period, const char *item_id, char out[40])
{
    out[0] = '\0';
    if (!rule || !*rule || !period || !*period || !item_id || !*item_id)
        return -1;
    crypto_generichash_state st;
    unsigned char h[16];
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)rule, strlen(rule));
    crypto_generichash_update(&st, (const unsigned char *)"\n", 1);
    crypto_generichash_update(&st, (const unsigned char *)period, strlen(period));
    crypto_generichash_update(&st, (const unsigned char *)"\n", 1);
    crypto_generichash_update(&st, (const unsigned char *)item_id, strlen(item_id));
    crypto_generichash_final(&st, h, sizeof h);
    return hex_id("qs-", h, out);
}

static int is_hex_tail(const char *s)
{
    if (strlen(s) != 32)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

int nx_qa_review_id(const char *sample_id, char out[40])
{
    out[0] = '\0';
    if (!sample_id || strncmp(sample_id, "qs-", 3) != 0 || !is_hex_tail(sample_id + 3))
        return -1;
    snprintf(out, 40, "qr-%s", sample_id + 3);
    return 0;
}

/* ---- sample bodies ------------------------------------------------------------------- */

int nx_qa_sample_body(const nx_qa_sample_info *in, char **json)
{
    *json = NULL;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "rule", in->rule, "period",
                          in->period, "kind", in->kind, "completed_by", in->completed_by,
                          "completed_at", (json_int_t)in->completed_at, "drawn", in->drawn);
    if (!o)
        return -1;
    *json = nx_json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return *json ? 0 : -1;
}

static int get_str(json_t *o, const char *key, char *out, size_t len, char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || json_string_length(v) >= len ||
        strlen(json_string_value(v)) != json_string_length(v))
        return nx_err(err, errlen, "\"%s\" must be a string of at most %zu bytes", key, len - 1);
    snprintf(out, len, "%s", json_string_value(v));
    return 0;
}

int nx_qa_sample_parse(const char *json, nx_qa_sample_info *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *o = json ? json_loads(json, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    int rc = -1;
    if (!json_is_object(o)) {
        nx_err(err, errlen, "a QA sample's body is not a JSON object");
        goto out;
    }
    json_t *at = json_object_get(o, "completed_at");
    if (get_str(o, "rule", out->rule, sizeof out->rule, err, errlen) ||
        get_str(o, "period", out->period, sizeof out->period, err, errlen) ||
        get_str(o, "kind", out->kind, sizeof out->kind, err, errlen) ||
        get_str(o, "completed_by", out->completed_by, sizeof out->completed_by, err, errlen) ||
        get_str(o, "drawn", out->drawn, sizeof out->drawn, err, errlen))
        goto out;
    if (!json_is_integer(at) || json_integer_value(at) < 0) {
        nx_err(err, errlen, "\"completed_at\" must be a time");
        goto out;
    }
    out->completed_at = (int64_t)json_integer_value(at);
    rc = 0;
out:
    json_decref(o);
    return rc;
}

/* ---- review bodies --------------------------------------------------------------------- */

int nx_qa_review_body_json(const nx_qa_review_body *in, char **json)
{
    *json = NULL;
    const nx_qa_check *c;
    size_t n = nx_qa_scorecard(in->kind, &c);
    if (!n || in->n != n)
        return -1;
    json_t *checks = json_array();
    for (size_t i = 0; checks && i < n; i++) {
        json_t *e = json_pack("{s:s, s:s}", "id", c[i].id, "result",
                              nx_qa_result_name(in->res[i]));
        if (!e || json_array_append_new(checks, e) != 0) {
            json_decref(checks);
            checks = NULL;
        }
    }
    if (!checks)
        return -1;
    json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:i}", "sample", in->sample, "kind",
                          nx_kind_name(in->kind), "checks", checks, "comment", in->comment,
                          "score", in->score);
    if (!o)
        return -1;
    *json = nx_json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return *json ? 0 : -1;
}

static int parse_checks(json_t *arr, nx_qa_review_body *out, char *err, size_t errlen)
{
    const nx_qa_check *c;
    size_t n = nx_qa_scorecard(out->kind, &c);
    if (!json_is_array(arr) || json_array_size(arr) != n)
        return nx_err(err, errlen, "\"checks\" must list the %zu checks of the %s scorecard", n,
                      nx_kind_name(out->kind));
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        json_t *id = json_object_get(e, "id"), *res = json_object_get(e, "result");
        if (!json_is_object(e) || json_object_size(e) != 2 || !json_is_string(id) ||
            !json_is_string(res))
            return nx_err(err, errlen, "check %zu must be {\"id\", \"result\"}", i + 1);
        if (strcmp(json_string_value(id), c[i].id) != 0)
            return nx_err(err, errlen, "check %zu must be %s (the scorecard's order)", i + 1,
                          c[i].id);
        int r = nx_qa_result_parse(json_string_value(res));
        if (r < 0)
            return nx_err(err, errlen, "check %s: the result is pass, fail or na", c[i].id);
        out->res[i] = (nx_qa_result)r;
    }
    out->n = n;
    return 0;
}

int nx_qa_review_parse(const char *json, nx_qa_review_body *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *o = json ? json_loads(json, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    int rc = -1;
    char kind[24];
    if (!json_is_object(o)) {
        nx_err(err, errlen, "a QA review's body is not a JSON object");
        goto out;
    }
    if (json_object_size(o) != 5) {
        nx_err(err, errlen, "a QA review's body has exactly sample, kind, checks, comment, "
                            "score");
        goto out;
    }
    if (get_str(o, "sample", out->sample, sizeof out->sample, err, errlen) ||
        get_str(o, "kind", kind, sizeof kind, err, errlen))
        goto out;
    int k = nx_kind_parse(kind);
    if (k < 0) {
        nx_err(err, errlen, "\"kind\" is not a kind of work item");
        goto out;
    }
    out->kind = (nx_kind)k;
    if (parse_checks(json_object_get(o, "checks"), out, err, errlen) != 0)
        goto out;
    json_t *cm = json_object_get(o, "comment"), *sc = json_object_get(o, "score");
    if (!json_is_string(cm) || json_string_length(cm) > NX_QA_COMMENT_MAX ||
        strlen(json_string_value(cm)) != json_string_length(cm)) {
        nx_err(err, errlen, "\"comment\" must be text of at most %d bytes", NX_QA_COMMENT_MAX);
        goto out;
    }
    snprintf(out->comment, sizeof out->comment, "%s", json_string_value(cm));
    if (!json_is_integer(sc) || json_integer_value(sc) < 0 || json_integer_value(sc) > 100) {
        nx_err(err, errlen, "\"score\" must be a whole number 0-100");
        goto out;
    }
    out->score = (int)json_integer_value(sc);
    rc = 0;
out:
    json_decref(o);
    return rc;
}

/* ---- the kinds' rules ------------------------------------------------------------------- */

int nx_qa_sample_check(const nx_record *prev, const nx_record *next, nx_role role,
                       const char *user, const char *team, char *err, size_t errlen)
{
    (void)prev;
    (void)role;
    (void)user;
    (void)team;
    return nx_err(err, errlen, "record %s: QA samples are drawn by the hub", next->id);
}

static int has_text(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\t')
            return 1;
    return 0;
}

int nx_qa_review_check(const nx_record *prev, const nx_record *next, nx_role role,
                       const char *user, const char *team, char *err, size_t errlen)
{
    if (prev)
        return nx_err(err, errlen, "record %s: the sample is already reviewed (a review is "
                                   "final; open a corrective action for what follows)",
                      next->id);
    if (role != NX_ROLE_SUPERVISOR)
        return nx_err(err, errlen, "record %s: only a supervisor reviews QA samples", next->id);
    if (!team || !*team || strcmp(next->team, team) != 0)
        return nx_err(err, errlen, "record %s: a supervisor reviews their own team's work",
                      next->id);
    if (!next->item_id[0] || !next->owner[0])
        return nx_err(err, errlen, "record %s: a review names the item and the agent reviewed",
                      next->id);
    if (user && strcmp(next->owner, user) == 0)
        return nx_err(err, errlen, "record %s: nobody reviews their own work", next->id);
    if (next->due != 0)
        return nx_err(err, errlen, "record %s: a review has no due date", next->id);
    nx_qa_review_body b;
    char why[160];
    int rc = -1;
    if (nx_qa_review_parse(next->body, &b, why, sizeof why) != 0) {
        nx_err(err, errlen, "record %s: %s", next->id, why);
        goto out;
    }
    char want[40];
    if (nx_qa_review_id(b.sample, want) != 0 || strcmp(want, next->id) != 0) {
        nx_err(err, errlen, "record %s: a review's id is its sample's (qr- and the sample's "
                            "digits)", next->id);
        goto out;
    }
    nx_qa_tally t;
    if (nx_qa_tally_of(b.res, b.n, &t) != 0) {
        nx_err(err, errlen, "record %s: at least one check must apply", next->id);
        goto out;
    }
    if (t.score != b.score) {
        nx_err(err, errlen, "record %s: the score is %d, not %d", next->id, t.score, b.score);
        goto out;
    }
    const char *status = t.passed ? "pass" : "fail";
    if (strcmp(next->status, status) != 0) {
        nx_err(err, errlen, "record %s: with %d failed check%s the review is %s", next->id,
               t.fail, t.fail == 1 ? "" : "s", status);
        goto out;
    }
    if (t.fail && !has_text(b.comment)) {
        nx_err(err, errlen, "record %s: a failed check needs a comment saying what was found",
               next->id);
        goto out;
    }
    rc = 0;
out:
    sodium_memzero(&b, sizeof b);
    return rc;
}
