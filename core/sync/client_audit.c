/* The client's side of the device audit events an oversight role pulls
 * (proto.h, "Device audit events for oversight"): who may hold them, and
 * one hub AUDIT frame checked and stored (core/store/device_events.h).
 *
 * Why a check here too: the hub sends these only to a role the policy
 * allows `audit`, but a laptop must not fill up with every device's trail
 * because a hub got it wrong — an agent's cache refuses them. What is
 * checked: HUB_SEQ is present and increases within the pull, ids are plain
 * tokens, the action and outcome are words. The reason is kept as sent
 * (the officers review it) and wiped from this file's buffer after; no
 * error names a value, only the hub sequence. */
#include "sync/client_int.h"
#include "domain/dict.h"
#include "session/training.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

int nx_sync_audit_role(nx_policy **policy, const char *role, char *err, size_t errlen)
{
    int r = nx_role_parse(role);
    if (r < 0)
        return 0;
    if (!*policy) {
        char path[4096];
        if (nx_path_join(path, sizeof path, nx_assets_dir(), "policy.txt") != 0) {
            nx_err(err, errlen, "the assets path is too long");
            return -1;
        }
        if (nx_policy_load(path, nx_dict_default(), policy, err, errlen) != 0)
            return -1;
    }
    return nx_policy_allows(*policy, (nx_role)r, NX_ACTION_AUDIT) ? 1 : 0;
}

static int word(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

nx_sync_code nx_pull_audit(nx_devev_writer *w, const nx_msg *m, uint64_t after,
                           uint64_t *hub_seq, int *stored, char *err, size_t errlen)
{
    /* Buffers one byte over each tag's maximum (proto.h). */
    char user[65], role[65], device[65], action[33], outcome[17], item[65], field[65];
    char reason[513];
    uint64_t hs = 0, seq = 0;
    int64_t at = 0;
    const nx_field_ref *prev = nx_msg_get(m, NX_TAG_PREV_HASH), *hash = nx_msg_get(m, NX_TAG_HASH);
    *stored = 0;
    if (nx_msg_get_u64(m, NX_TAG_HUB_SEQ, &hs) != 1 || hs == 0 || hs > (uint64_t)INT64_MAX) {
        nx_err(err, errlen, "the hub sent an audit event without its hub sequence");
        return NX_SYNC_PROTOCOL;
    }
    if (hs <= after) {
        nx_err(err, errlen, "the hub sent audit event %llu out of order (after %llu)",
               (unsigned long long)hs, (unsigned long long)after);
        return NX_SYNC_PROTOCOL;
    }
    item[0] = field[0] = reason[0] = '\0';
    (void)nx_msg_get_u64(m, NX_TAG_SEQ, &seq);
    (void)nx_msg_get_i64(m, NX_TAG_AT, &at);
    nx_sync_code c = NX_SYNC_OK;
    if (nx_msg_get_str(m, NX_TAG_USER, user, sizeof user) != 1 ||
        nx_msg_get_str(m, NX_TAG_ROLE, role, sizeof role) != 1 ||
        nx_msg_get_str(m, NX_TAG_DEVICE, device, sizeof device) != 1 ||
        nx_msg_get_str(m, NX_TAG_ACTION, action, sizeof action) != 1 ||
        nx_msg_get_str(m, NX_TAG_OUTCOME, outcome, sizeof outcome) != 1 ||
        nx_msg_get_str(m, NX_TAG_ITEM, item, sizeof item) < 0 ||
        nx_msg_get_str(m, NX_TAG_FIELD, field, sizeof field) < 0 ||
        nx_msg_get_str(m, NX_TAG_REASON, reason, sizeof reason) < 0 || !prev || !hash ||
        prev->len != NX_DEVEV_HASH_BYTES || hash->len != NX_DEVEV_HASH_BYTES ||
        seq == 0 || seq > (uint64_t)INT64_MAX || !nx_sync_token_ok(user) ||
        !nx_sync_token_ok(role) || !nx_sync_token_ok(device) || !word(action) ||
        !word(outcome) || (item[0] && !nx_sync_token_ok(item)) ||
        (field[0] && !nx_sync_token_ok(field))) {
        nx_err(err, errlen, "audit event %llu: the hub sent it malformed", (unsigned long long)hs);
        c = NX_SYNC_PROTOCOL;
    } else {
        nx_devev e = { .hub_seq = (int64_t)hs, .seq = (int64_t)seq, .at = at, .device = device,
                       .user = user, .role = role, .action = action, .item_id = item,
                       .field = field, .reason = reason, .outcome = outcome,
                       .prev_hash = prev->p, .hash = hash->p };
        int r = nx_devev_write(w, &e);
        if (r < 0) {
            nx_err(err, errlen, "audit event %llu: cannot write it to the cache",
                   (unsigned long long)hs);
            c = NX_SYNC_ERROR;
        } else {
            *stored = r == 0;
            *hub_seq = hs;
        }
    }
    sodium_memzero(reason, sizeof reason);
    return c;
}
