/* tests/progs — tui_patients: adds to a profile tui_fixture made twelve
 * synthetic patients of the fixture's clinic whose family names all begin
 * "Pickwell", so a name typed on the new-item form finds more than nine
 * and the patient menu numbers them past 9 (its golden screen
 * newitem-pick-many.txt shows the names lined up). All synthetic.
 *
 * Program: tui_patients DIR   (a profile tui_fixture made; its passphrase)
 * run-script.sh calls it for a script with "# fixture-extra: tui_patients".
 * Prints nothing on success; exit 1 with a message. */
#include "store/rows.h"
#include "tests/helpers/fixprof.h"

#include <stdio.h>
#include <string.h>

#define NPATIENTS 12

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: tui_patients PROFILE_DIR\n");
        return 2;
    }
    static const char *const given[NPATIENTS] = { "Ada",  "Bo",   "Cy",  "Di",  "Ed",  "Flo",
                                                  "Gus",  "Hal",  "Ivy", "Jo",  "Kit", "Lu" };
    char why[512] = "";
    nx_profile p;
    if (nx_fixprof_open(&p, argv[1], why, sizeof why) != 0) {
        fprintf(stderr, "tui_patients: %s: %s\n", argv[1], why);
        return 1;
    }
    int rc = nx_store_begin(p.store);
    for (int i = 0; rc == 0 && i < NPATIENTS; i++) {
        char pid[16], family[32], dob[16], phone[24], email[48], mrn[16];
        snprintf(pid, sizeof pid, "pat-pw%02d", i + 1);
        snprintf(family, sizeof family, "Pickwell-%02d", i + 1);
        snprintf(dob, sizeof dob, "19%02d-0%d-1%d", 50 + i, i % 9 + 1, i % 10);
        snprintf(phone, sizeof phone, "555-01%02d", i + 40);
        snprintf(email, sizeof email, "pickwell%02d@example.invalid", i + 1);
        snprintf(mrn, sizeof mrn, "TRN%07d", 9100 + i);
        nx_patient_row r = { pid,   "cl-lakeside", family, given[i], dob, phone, email,
                             "1 Elm St, Springfield, IL 62701", mrn, "MBR-PW", "Acme Health",
                             "no",  "no",          "" };
        rc = nx_store_patient_put(p.store, &r);
    }
    if (rc == 0)
        rc = nx_store_commit(p.store);
    else
        nx_store_rollback(p.store);
    if (rc)
        fprintf(stderr, "tui_patients: cannot add the patients: %s\n", nx_store_errmsg(p.store));
    nx_profile_close(&p);
    return rc ? 1 : 0;
}
