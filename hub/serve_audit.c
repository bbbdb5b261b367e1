/* hub/serve_audit — AUDIT frames: the device's audit chain, pushed so that
 * the hub holds every laptop's trail (seed 000 §14, DESIGN invariant 5).
 *
 * The hub cannot recompute a device's MACs (it never holds the device's
 * key), so it checks continuity: an event is appended when it continues
 * the chain where the hub has it (seq == last + 1 and prev_hash == the last
 * hash; the first event of a device is taken as it comes). An event at or
 * below the last seq is a resend and is ignored. A gap or a prev_hash that
 * does not match is a security event in the hub's audit ("audit chain
 * break, device D at seq N") — and the event is still stored, and the
 * chain followed from it: evidence is never thrown away. */
#include "hub/serve.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

int srv_on_audit(nx_srv *s, const nx_msg *m)
{
    char user[65] = "", role[65] = "", device[65] = "", action[33] = "", outcome[17] = "";
    char item[65] = "", field[65] = "", reason[513] = "";
    uint64_t seq = 0;
    int64_t at = 0;
    const nx_field_ref *prev = nx_msg_get(m, NX_TAG_PREV_HASH), *hash = nx_msg_get(m, NX_TAG_HASH);
    nx_msg_get_u64(m, NX_TAG_SEQ, &seq);
    nx_msg_get_i64(m, NX_TAG_AT, &at);
    if (nx_msg_get_str(m, NX_TAG_USER, user, sizeof user) < 0 ||
        nx_msg_get_str(m, NX_TAG_ROLE, role, sizeof role) < 0 ||
        nx_msg_get_str(m, NX_TAG_DEVICE, device, sizeof device) < 0 ||
        nx_msg_get_str(m, NX_TAG_ACTION, action, sizeof action) < 0 ||
        nx_msg_get_str(m, NX_TAG_OUTCOME, outcome, sizeof outcome) < 0 ||
        nx_msg_get_str(m, NX_TAG_ITEM, item, sizeof item) < 0 ||
        nx_msg_get_str(m, NX_TAG_FIELD, field, sizeof field) < 0 ||
        nx_msg_get_str(m, NX_TAG_REASON, reason, sizeof reason) < 0 || !prev || !hash ||
        prev->len != NX_AUDIT_HASH_BYTES || hash->len != NX_AUDIT_HASH_BYTES) {
        srv_error(s, "audit: a field does not fit");
        return 1;
    }
    if (nx_msg_get(m, NX_TAG_HUB_SEQ)) {
        /* HUB_SEQ is the hub's number, on events it sends (pull_audit.c). */
        srv_error(s, "audit: event %llu carries a hub sequence; a client may not send one",
                  (unsigned long long)seq);
        return 1;
    }
    if (strcmp(device, s->device) != 0) {
        /* Another device's chain cannot be checked against this one's. */
        srv_error(s, "audit: event %llu is from another device than this session's",
                  (unsigned long long)seq);
        return 1;
    }
    if (seq == 0 || seq > (uint64_t)INT64_MAX) {
        srv_error(s, "audit: event number out of range");
        return 1;
    }
    if (srv_tx(s) != 0)
        return -1;
    nx_hub_device d;
    if (nx_hub_device_get(s->h, s->device, &d) != 1)
        return -1;
    s->st.audit++;
    if (seq <= d.audit_seq)
        return 0;                          /* already held */
    int first = d.audit_seq == 0 && seq == 1;
    int linked = seq == d.audit_seq + 1 &&
                 (first || memcmp(prev->p, d.audit_hash, NX_AUDIT_HASH_BYTES) == 0);
    nx_hub_dev_event e = { .seq = seq, .at = at, .device = s->device, .user = user, .role = role,
                           .action = action, .item = item, .field = field, .reason = reason,
                           .outcome = outcome, .prev_hash = prev->p, .hash = hash->p };
    int added = nx_hub_dev_event_add(s->h, &e);
    if (added < 0)
        return -1;
    if (!linked) {
        char why[200];
        snprintf(why, sizeof why, "audit chain break, device %s at seq %llu (%s)", s->device,
                 (unsigned long long)seq,
                 seq != d.audit_seq + 1 ? "events missing" : "previous hash does not match");
        if (srv_audit(s, NX_HUB_ACT_CHAIN_BREAK, NULL, NULL, why, 1) != 0)
            return -1;
    }
    if (strcmp(user, s->user) != 0) {
        char why[200];
        snprintf(why, sizeof why, "audit event %llu of device %s names another user",
                 (unsigned long long)seq, s->device);
        if (srv_audit(s, NX_HUB_ACT_SECURITY, NULL, NULL, why, 1) != 0)
            return -1;
    }
    return nx_hub_device_audit_set(s->h, s->device, seq, hash->p) == 0 ? 0 : -1;
}
