/* The hub's oversight records in its store (hub/store_record.c) and hub
 * migration 5: accounting entries written before they went out as
 * `disclosure` records are copied into records once, with revisions a
 * pull's cursor will pass. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "hub/hub.h"
#include "store/store.h"
#include "tests/unit/test_hub_serve.h"

Test(hub_records, migration_5_copies_the_accounting_written_before, .fini = hs_teardown)
{
    hs_setup(0);
    hs_item("roi-1", "roi", "released", "carol", "north");
    sqlite3 *db = nx_hub_db(hs_hub);
    cr_assert_eq(sqlite3_exec(db,
                              "INSERT INTO disclosures(item_id, patient_id, at, recipient_name,"
                              " recipient_address, description, purpose, user) VALUES"
                              " ('roi-1', 'pt-1', 1780000000, 'Synthetic Records Dept',"
                              "  '1 Example Way', 'Office notes', 'Required by law', 'carol');",
                              NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    long long before = hs_count("SELECT value FROM hub_counter WHERE name='rev'");
    hs_undo_hub_migration_8();
    cr_assert_eq(nx_store_meta_set(nx_hub_store(hs_hub), "hub_schema", "4"), 0);
    nx_hub_close(hs_hub);
    char err[512] = "";
    cr_assert_eq(nx_hub_open(hs_dir, NULL, &hs_hub, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hs_count("SELECT count(*) FROM records WHERE kind='disclosure' AND "
                          "item_id='roi-1' AND author='carol' AND team='north' AND "
                          "json_extract(body, '$.patient_id')='pt-1' AND "
                          "json_extract(body, '$.recipient_name')='Synthetic Records Dept'"),
                 1);
    /* hub migration 8 gave the item's revision its scope */
    cr_assert_eq(hs_count("SELECT count(*) FROM item_rev WHERE item_id='roi-1' AND "
                          "assignee='carol' AND team='north'"), 1);
    long long rev = hs_count("SELECT rev FROM records WHERE kind='disclosure'");
    cr_assert_gt(rev, before, "a revision after every earlier change");
    cr_assert_eq(hs_count("SELECT value FROM hub_counter WHERE name='rev'"), rev);
    /* Opening again copies nothing twice. */
    hs_undo_hub_migration_8();
    cr_assert_eq(nx_store_meta_set(nx_hub_store(hs_hub), "hub_schema", "4"), 0);
    nx_hub_close(hs_hub);
    cr_assert_eq(nx_hub_open(hs_dir, NULL, &hs_hub, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hs_count("SELECT count(*) FROM records WHERE kind='disclosure'"), 1);
}
