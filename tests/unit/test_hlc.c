/* The hybrid logical clock (core/sync/hlc) and the op helpers
 * (core/sync/op). The clock must never go back when the wall clock does
 * (a laptop set back an hour), must order what a device writes after what
 * it has seen from devices whose clocks run an hour ahead or behind, and
 * must survive its 16-bit counter filling up. Wall times are passed in, so
 * every case is deterministic. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "sync/hlc.h"
#include "sync/op.h"

#define T0 1767225600000ll          /* 2026-01-01T00:00:00Z in ms */
#define HOUR 3600000ll

Test(hlc, layout)
{
    nx_hlc h = NX_HLC_MAKE(T0, 5);
    cr_expect_eq(NX_HLC_MS(h), T0);
    cr_expect_eq(h & 0xffff, 5u);
    cr_expect_lt(NX_HLC_MAKE(T0, 0xffff), NX_HLC_MAKE(T0 + 1, 0));
}

Test(hlc, tick_follows_the_wall_clock)
{
    nx_hlc last = 0;
    nx_hlc a = nx_hlc_tick(&last, T0);
    cr_expect_eq(a, NX_HLC_MAKE(T0, 0));
    cr_expect_eq(last, a);
    nx_hlc b = nx_hlc_tick(&last, T0);          /* same millisecond */
    cr_expect_eq(b, NX_HLC_MAKE(T0, 1));
    nx_hlc c = nx_hlc_tick(&last, T0);
    cr_expect_eq(c, NX_HLC_MAKE(T0, 2));
    nx_hlc d = nx_hlc_tick(&last, T0 + 7);      /* the wall moved on: counter resets */
    cr_expect_eq(d, NX_HLC_MAKE(T0 + 7, 0));
}

Test(hlc, monotonic_when_the_clock_goes_back_an_hour)
{
    nx_hlc last = 0;
    nx_hlc prev = nx_hlc_tick(&last, T0);
    /* the laptop's clock is set back an hour and creeps forward again */
    for (int64_t i = 0; i < 5000; i++) {
        int64_t wall = T0 - HOUR + i * 1000;
        nx_hlc h = nx_hlc_tick(&last, wall);
        cr_assert_gt(h, prev, "tick %lld went back", (long long)i);
        cr_assert_eq(last, h);
        if (wall <= T0)
            cr_assert_eq(NX_HLC_MS(h), T0 + (int64_t)((prev & 0xffff) + 1 > 0xffff), "held");
        else
            cr_assert_eq(h, NX_HLC_MAKE(wall, 0), "follows the wall once it passes");
        prev = h;
    }
    /* a negative or zero wall clock does not move it back either */
    nx_hlc h = nx_hlc_tick(&last, -5);
    cr_expect_gt(h, prev);
}

Test(hlc, counter_overflow_moves_the_milliseconds_forward)
{
    nx_hlc last = NX_HLC_MAKE(T0, 0xfffe);
    nx_hlc a = nx_hlc_tick(&last, T0);
    cr_expect_eq(a, NX_HLC_MAKE(T0, 0xffff));
    nx_hlc b = nx_hlc_tick(&last, T0);
    cr_expect_eq(b, NX_HLC_MAKE(T0 + 1, 0));
    cr_expect_gt(b, a);
    nx_hlc c = nx_hlc_tick(&last, T0);          /* the wall is now behind the clock */
    cr_expect_eq(c, NX_HLC_MAKE(T0 + 1, 1));

    /* a burst of 200 000 events in one millisecond stays strictly ordered */
    last = 0;
    nx_hlc prev = 0;
    for (int i = 0; i < 200000; i++) {
        nx_hlc h = nx_hlc_tick(&last, T0);
        cr_assert_gt(h, prev);
        prev = h;
    }
    cr_expect_eq(NX_HLC_MS(prev), T0 + 3);      /* 200 000 = 3 * 65 536 + 3 392 */

    /* recv: both counters full at the same millisecond */
    last = NX_HLC_MAKE(T0, 0xffff);
    nx_hlc r = nx_hlc_recv(&last, NX_HLC_MAKE(T0, 0xffff), T0 - 10);
    cr_expect_eq(r, NX_HLC_MAKE(T0 + 1, 0));
    last = NX_HLC_MAKE(T0 - 1, 3);
    r = nx_hlc_recv(&last, NX_HLC_MAKE(T0, 0xffff), T0 - 10);
    cr_expect_eq(r, NX_HLC_MAKE(T0 + 1, 0));
}

Test(hlc, saturates_instead_of_wrapping)
{
    nx_hlc last = UINT64_MAX - 1;
    cr_expect_eq(nx_hlc_tick(&last, T0), UINT64_MAX);
    cr_expect_eq(nx_hlc_tick(&last, T0), UINT64_MAX, "stays at the top, never wraps to 0");
    last = 0;
    cr_expect_eq(nx_hlc_recv(&last, UINT64_MAX, T0), UINT64_MAX);
    cr_expect_eq(last, UINT64_MAX);
    last = 0;
    cr_expect_eq(nx_hlc_tick(&last, INT64_MAX), NX_HLC_MAKE(UINT64_MAX >> 16, 0));
}

/* The four cases of the receive rule. */
Test(hlc, recv_cases)
{
    nx_hlc last;
    /* the wall is ahead of both: wall, counter 0 */
    last = NX_HLC_MAKE(T0, 4);
    cr_expect_eq(nx_hlc_recv(&last, NX_HLC_MAKE(T0 + 1, 9), T0 + 5), NX_HLC_MAKE(T0 + 5, 0));
    /* the remote is ahead: its ms, its counter + 1 */
    last = NX_HLC_MAKE(T0, 4);
    cr_expect_eq(nx_hlc_recv(&last, NX_HLC_MAKE(T0 + HOUR, 9), T0), NX_HLC_MAKE(T0 + HOUR, 10));
    /* the local is ahead: its ms, its counter + 1 */
    last = NX_HLC_MAKE(T0 + HOUR, 4);
    cr_expect_eq(nx_hlc_recv(&last, NX_HLC_MAKE(T0, 9), T0), NX_HLC_MAKE(T0 + HOUR, 5));
    /* equal ms: the larger counter + 1 */
    last = NX_HLC_MAKE(T0 + HOUR, 4);
    cr_expect_eq(nx_hlc_recv(&last, NX_HLC_MAKE(T0 + HOUR, 9), T0), NX_HLC_MAKE(T0 + HOUR, 10));
    last = NX_HLC_MAKE(T0 + HOUR, 12);
    cr_expect_eq(nx_hlc_recv(&last, NX_HLC_MAKE(T0 + HOUR, 9), T0), NX_HLC_MAKE(T0 + HOUR, 13));
    cr_expect_eq(last, NX_HLC_MAKE(T0 + HOUR, 13));
}

/* Three devices with clocks skewed -1 h, 0 and +1 h exchange messages at
 * random. Every event a device has seen orders before everything it does
 * afterwards: ticks and receives always move strictly past both the
 * device's previous time and the time received. */
Test(hlc, recv_orders_events_across_skewed_clocks)
{
    const int64_t skew[3] = {-HOUR, 0, HOUR};
    nx_hlc last[3] = {0, 0, 0};
    nx_hlc sent[3] = {0, 0, 0};                 /* each device's latest message */
    uint64_t rng = 12345;
    int64_t real = T0;
    for (int i = 0; i < 20000; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        int dev = (int)((rng >> 33) % 3), other = (int)((rng >> 40) % 3);
        real += (int64_t)((rng >> 50) % 3);     /* 0-2 ms pass; often none */
        int64_t wall = real + skew[dev];
        nx_hlc before = last[dev];
        if (other == dev || sent[other] == 0) {
            nx_hlc h = nx_hlc_tick(&last[dev], wall);
            cr_assert_gt(h, before);
            sent[dev] = h;
        } else {
            nx_hlc h = nx_hlc_recv(&last[dev], sent[other], wall);
            cr_assert_gt(h, before);
            cr_assert_gt(h, sent[other], "device %d received %d's time and is not past it",
                         dev, other);
            /* and what it writes next follows what it saw */
            nx_hlc w = nx_hlc_tick(&last[dev], wall);
            cr_assert_gt(w, sent[other]);
            sent[dev] = w;
        }
        /* the clock stays close to the fastest wall clock: skew does not
         * make it run away */
        cr_assert_leq(NX_HLC_MS(last[dev]), real + HOUR + 4);
    }
}

/* The scenario the sync relies on: an agent whose laptop is an hour slow
 * edits a field after pulling the edit of an agent whose laptop is an hour
 * fast; the later edit must win by HLC. */
Test(hlc, a_slow_device_writes_after_what_it_pulled)
{
    nx_hlc fast = 0, hub = 0, slow = 0;
    nx_hlc op_fast = nx_hlc_tick(&fast, T0 + HOUR);
    nx_hlc_recv(&hub, op_fast, T0);             /* the hub merges the op */
    nx_hlc end = nx_hlc_tick(&hub, T0 + 1);     /* and sends END with its time */
    nx_hlc_recv(&slow, end, T0 - HOUR + 2);     /* the slow device pulls */
    nx_hlc op_slow = nx_hlc_tick(&slow, T0 - HOUR + 3);
    cr_expect_gt(op_slow, op_fast);
}

Test(hlc, wall_clock_is_real_time_in_ms)
{
    int64_t a = nx_hlc_wall_ms();
    int64_t now = (int64_t)time(NULL) * 1000;
    cr_expect_geq(a, now - 2000);
    cr_expect_leq(a, now + 2000);
    cr_expect_geq(nx_hlc_wall_ms(), a);
}

/* ---- ops ------------------------------------------------------------------------ */

Test(op, kind_names_round_trip)
{
    static const char *const names[] = {"set", "add", "status", "note", "attempt",
                                        "attach", "create", "assign", "resolve", "record"};
    cr_assert_eq(NX_OP_KIND_COUNT, 10);
    for (int k = 0; k < NX_OP_KIND_COUNT; k++) {
        cr_expect_str_eq(nx_op_kind_name((nx_op_kind)k), names[k]);
        cr_expect_eq(nx_op_kind_parse(names[k]), k);
        /* every name fits the OP_KIND tag's maximum (16) */
        cr_expect_leq(strlen(names[k]), 16u);
    }
    cr_expect_eq(nx_op_kind_parse("SET"), -1);
    cr_expect_eq(nx_op_kind_parse("sets"), -1);
    cr_expect_eq(nx_op_kind_parse(""), -1);
    cr_expect_eq(nx_op_kind_parse(NULL), -1);
    cr_expect_null(nx_op_kind_name(NX_OP_KIND_COUNT));
    cr_expect_null(nx_op_kind_name((nx_op_kind)-1));
}

Test(op, value_is_copied_replaced_and_cleared)
{
    nx_op op;
    memset(&op, 0, sizeof op);
    char src[32] = "Doe, Jane" NX_OP_SEP "1970";
    cr_assert_eq(nx_op_set_value(&op, src), 0);
    cr_assert_not_null(op.value);
    cr_expect_neq(op.value, src, "a copy, not the caller's buffer");
    cr_expect_str_eq(op.value, "Doe, Jane\x1f" "1970");
    src[0] = 'X';
    cr_expect_eq(op.value[0], 'D');
    cr_assert_eq(nx_op_set_value(&op, "second"), 0);  /* the old one is freed (ASan) */
    cr_expect_str_eq(op.value, "second");
    cr_assert_eq(nx_op_set_value(&op, op.value), 0);  /* aliasing its own value */
    cr_expect_str_eq(op.value, "second");
    cr_assert_eq(nx_op_set_value(&op, NULL), 0);
    cr_expect_null(op.value);
    cr_assert_eq(nx_op_set_value(&op, ""), 0);
    cr_expect_str_eq(op.value, "");
    nx_op_clear(&op);
    cr_expect_null(op.value);
    nx_op_clear(&op);                                   /* twice is harmless */
    cr_expect_null(op.value);
}
