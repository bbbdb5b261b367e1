/* Scheduling's own rules (seed 000 §7.2, REQUIREMENTS S1, S2, S5): the
 * caller's identity before anything is recorded, no SMS or email to a
 * patient who asked for confidential communication, and no clinical
 * detail in an SMS or email template. */
#include "domain/workflow.h"
#include "domain/workflow_kinds.h"

#include <string.h>

#include "util/util.h"

const char *const nx_template_clinical_words[] = {
    "diagnosis", "diagnoses", "dx", "icd", "icd10", "procedure", "procedures", "cpt",
    "hcpcs", "modifier", "modifiers", "notes", "note", "clinical", "medication",
    "medications", "rx", "prescription", "condition", "symptom", "symptoms", "lab", "labs",
    "result", "results", "treatment", "reason", NULL,
};

int nx_sched_channel_check(const nx_item *it, const char *channel, char *msg, size_t len)
{
    int sms = strcmp(channel ? channel : "", "sms") == 0;
    int email = strcmp(channel ? channel : "", "email") == 0;
    if ((sms || email) && nx_item_yes(it, "confidential_comm"))
        return nx_err(msg, len, "confidential communication: no %s to this patient",
                      sms ? "SMS" : "email");
    return 0;
}

static int is_clinical(const nx_dict *d, const char *name)
{
    for (size_t i = 0; d && i < d->n; i++)
        if (d->fields[i].phi == NX_PHI_CLINICAL && strcmp(d->fields[i].id, name) == 0)
            return 1;
    /* By parts, so {dx_codes}, {visit_notes} and {Procedure-Name} are
     * caught without listing every spelling. */
    for (const char *p = name; *p;) {
        size_t n = strcspn(p, "_");
        for (const char *const *w = nx_template_clinical_words; *w; w++)
            if (strlen(*w) == n && strncmp(*w, p, n) == 0)
                return 1;
        p += n;
        p += *p == '_';
    }
    return 0;
}

int nx_template_check(const nx_dict *d, const char *text, char *msg, size_t len)
{
    for (const char *p = text ? strchr(text, '{') : NULL; p; p = strchr(p, '{')) {
        const char *end = p + 1 + strcspn(p + 1, "{}");
        if (*end != '}')
            return nx_err(msg, len, "template refused: a { is not closed");
        const char *a = p + 1, *b = end;
        while (a < b && *a == ' ')
            a++;
        while (b > a && b[-1] == ' ')
            b--;
        if (a == b)
            return nx_err(msg, len, "template refused: empty placeholder {}");
        char name[48];
        size_t n = 0;
        for (; a < b; a++) {
            char c = *a;
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            else if (c == '-' || c == ' ')
                c = '_';
            else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
                return nx_err(msg, len, "template refused: a placeholder holds only "
                                        "letters, digits, _ and -");
            if (n + 1 >= sizeof name)
                return nx_err(msg, len, "template refused: placeholder name too long");
            name[n++] = c;
        }
        name[n] = '\0';
        if (is_clinical(d, name))
            return nx_err(msg, len,
                          "template refused: {%s} is clinical detail, not allowed in SMS or email",
                          name);
        p = end + 1;
    }
    return 0;
}

static int written_channel(const char *channel)
{
    return strcmp(channel, "sms") == 0 || strcmp(channel, "email") == 0;
}

int nx_wf_sched_edit(const nx_item *it, const char *field, const char *value, char *msg,
                     size_t len)
{
    /* S1: nothing is discussed, so nothing recorded, before the caller is
     * who they say they are; the check's own fields are the exception. */
    if (strcmp(field, "identity_method") == 0 || strcmp(field, "identity_result") == 0)
        return 0;
    if (strcmp(nx_item_get(it, "identity_result"), "verified") != 0)
        return nx_err(msg, len, "identity not verified: verify the caller first");
    if (!value)
        return 0;
    if (strcmp(field, "channel") == 0) {
        if (nx_sched_channel_check(it, value, msg, len) != 0)
            return -1;
        if (written_channel(value))
            return nx_template_check(it->dict, nx_item_get(it, "template"), msg, len);
    }
    if (strcmp(field, "template") == 0 && written_channel(nx_item_get(it, "channel")))
        return nx_template_check(it->dict, value, msg, len);
    return 0;
}
