/* The product's field dictionary: every field of the four work-item kinds,
 * once, in form order (patient and common fields first, then each kind's
 * own in the order its SOP works them: [000] §7.2-§7.6, App. D and E).
 *
 * Decisions recorded here because the table is where they show:
 * - PHI class follows seed 004 §5 (the identifiers a limited data set
 *   removes) for the *patient's* identifiers and dates; clinical covers
 *   diagnosis and procedure codes, denial reasons, the scope of an ROI
 *   authorization (it describes the records) and notes. Facts about a
 *   provider, payer or authorization (NPIs, the recipient's fax number,
 *   auth numbers and validity dates, benefit amounts) are class none:
 *   with no identifier beside them they identify nobody, and the policy
 *   still rules on every field by id where that is not enough.
 * - The ROI recipient's name and address are classed as name and address:
 *   the recipient is sometimes the patient or a relative, and the seeds'
 *   identifiers include relatives' names and addresses.
 * - "notes" is a pseudo-field (home NX_AT_NOTES): the append-only note log
 *   of every item, listed so the policy can rule on it. Free text may hold
 *   anything, so it is clinical.
 * - required_for names the status an item may not enter while the field
 *   is empty (statuses of the workflows: scheduling new, verifying,
 *   in-progress, scheduled, escalated, closed; eligibility new, verifying,
 *   verified, closed; prior-auth draft, submitted, pending, approved,
 *   partially-approved, denied, appeal-prepared, appeal-submitted,
 *   appeal-won, appeal-lost, closed; roi new, authorization-valid,
 *   requested, received, verified, released, closed, blocked). Shared
 *   patient fields qualify the status with the kind. Requirements that
 *   depend on another field (a fax number only for eFax, a
 *   representative's authority only when a representative signed) are
 *   the workflow's, not this table's.
 * - Patient names are required by the patient record itself (the patients
 *   table), so they carry no required_for here. */
#include "domain/dict.h"
#include "domain/disclosure.h" /* auth_purpose: the accounting's picklist */

#define S NX_KIND_BIT(NX_KIND_SCHEDULING)
#define E NX_KIND_BIT(NX_KIND_ELIGIBILITY)
#define P NX_KIND_BIT(NX_KIND_PRIOR_AUTH)
#define R NX_KIND_BIT(NX_KIND_ROI)
#define ALL NX_KINDS_ALL

/* Procedure lists hold CPT (Category I-III) and HCPCS Level II codes side
 * by side (a DME line is HCPCS, the office visit CPT); the first
 * character tells which set a code belongs to. */
static const char *norm_procedure(const char *s, char out[NX_NORM_MAX])
{
    if (s[0] >= '0' && s[0] <= '9')
        return nx_norm_cpt(s, out);
    if ((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z'))
        return nx_norm_hcpcs(s, out);
    return "not a CPT code (e.g. 99213) or HCPCS Level II code (e.g. E0601)";
}

static const char *const c_priority[] = { "routine", "urgent", NULL };
static const char *const c_identity_method[] = {
    "dob-and-address", "dob-and-phone", "dob-and-member-id", "portal-login", "callback", NULL,
};
static const char *const c_identity_result[] = { "verified", "failed", NULL };
static const char *const c_channel[] = { "phone", "sms", "email", NULL };
static const char *const c_escalation[] = { "none", "complaint", "urgent-clinical", NULL };
static const char *const c_relationship[] = { "self", "spouse", "child", "other", NULL };
static const char *const c_rental[] = { "rental", "purchase", NULL };
static const char *const c_decision[] = { "approved", "partially-approved", "denied", NULL };
static const char *const c_holder[] = { "provider", "hospital", "insurer", "clearinghouse", NULL };
static const char *const c_verify_method[] = {
    "callback", "directory", "credential-check", "portal-account", NULL,
};
static const char *const c_release_channel[] = { "efax", "portal", NULL };
static const char *const c_fax_verified_by[] = { "callback", "directory", NULL };

/* Designated initializers keep each row readable; unnamed members are
 * zero/NULL (no normalizer, no choices, no range, never required). */
#define TEXT(n) .type = NX_FT_TEXT, .max = (n)
#define LONGTEXT(n) .type = NX_FT_LONGTEXT, .max = (n)
#define CODE(fn) .type = NX_FT_CODE, .norm = (fn)
#define CODES(fn) .type = NX_FT_CODELIST, .norm = (fn)
#define CHOICE(c) .type = NX_FT_CHOICE, .choices = (c)
#define INT(lo, hi) .type = NX_FT_INT, .min = (lo), .max = (hi)
#define BOOL .type = NX_FT_BOOL
#define DATE .type = NX_FT_DATE
#define DATETIME .type = NX_FT_DATETIME
#define MONEY .type = NX_FT_MONEY

/* The seven elements seed 004 §4 requires of every authorization, then
 * the ones REQUIREMENTS O5 adds from the same section. */
#define AUTH_ELEMENT(id_, label_, help_) \
    { .id = id_, .label = label_, BOOL, .phi = NX_PHI_NONE, .kinds = R, .home = NX_AT_FIELD, \
      .required_for = "authorization-valid", .help = help_ }

static const nx_field_def fields[] = {
    /* ---- patient (shared by every item of the patient) ---- */
    { .id = "family_name", .label = "Family name", TEXT(60), .phi = NX_PHI_NAME, .kinds = ALL,
      .home = NX_AT_PATIENT, .help = "Patient's family (last) name as the client's record has it" },
    { .id = "given_name", .label = "Given name", TEXT(60), .phi = NX_PHI_NAME, .kinds = ALL,
      .home = NX_AT_PATIENT, .help = "Patient's given (first) name" },
    { .id = "dob", .label = "Date of birth", DATE, .phi = NX_PHI_DATE, .kinds = ALL,
      .home = NX_AT_PATIENT,
      .required_for = "eligibility:verifying prior-auth:submitted roi:verified",
      .help = "YYYY-MM-DD; payers and record holders match on it" },
    { .id = "phone", .label = "Phone", TEXT(20), .norm = nx_norm_phone, .phi = NX_PHI_PHONE,
      .kinds = ALL, .home = NX_AT_PATIENT, .help = "Patient's phone, 10 digits (North America)" },
    { .id = "alt_phone", .label = "Alternative phone", TEXT(20), .norm = nx_norm_phone,
      .phi = NX_PHI_PHONE, .kinds = ALL, .home = NX_AT_PATIENT,
      .help = "Number the patient asked to be reached at instead (confidential communication)" },
    { .id = "email", .label = "Email", TEXT(254), .phi = NX_PHI_EMAIL, .kinds = ALL,
      .home = NX_AT_PATIENT, .help = "Patient's email address" },
    { .id = "address", .label = "Address", TEXT(200), .phi = NX_PHI_ADDRESS, .kinds = ALL,
      .home = NX_AT_PATIENT, .help = "Street, town, state ZIP - separated by commas" },
    { .id = "mrn", .label = "MRN", TEXT(30), .phi = NX_PHI_MRN, .kinds = ALL,
      .home = NX_AT_PATIENT, .help = "Medical record number in the client's system" },
    { .id = "member_id", .label = "Member ID", CODE(nx_norm_member_id), .phi = NX_PHI_PLAN_ID,
      .kinds = ALL, .home = NX_AT_PATIENT,
      .required_for = "eligibility:verifying prior-auth:submitted",
      .help = "Health plan member ID as printed on the card" },
    { .id = "payer", .label = "Payer", TEXT(80), .phi = NX_PHI_NONE, .kinds = E | P,
      .home = NX_AT_PATIENT, .required_for = "eligibility:verifying prior-auth:submitted",
      .help = "Health plan or insurer name" },
    { .id = "confidential_comm", .label = "Confidential communication", BOOL,
      .phi = NX_PHI_NONE, .kinds = ALL, .home = NX_AT_PATIENT,
      .help = "yes: patient asked for confidential communication - no SMS or email" },
    { .id = "restriction", .label = "Restriction requested", BOOL, .phi = NX_PHI_NONE,
      .kinds = ALL, .home = NX_AT_PATIENT,
      .help = "yes: patient asked to restrict uses or disclosures - check before disclosing" },

    /* ---- common to every item ---- */
    { .id = "priority", .label = "Priority", CHOICE(c_priority), .phi = NX_PHI_NONE,
      .kinds = ALL, .home = NX_AT_ITEM, .help = "routine or urgent (urgent shortens follow-up clocks)" },
    { .id = "notes", .label = "Notes", LONGTEXT(1000), .phi = NX_PHI_CLINICAL, .kinds = ALL,
      .home = NX_AT_NOTES, .help = "Append-only; a correction keeps the original" },

    /* ---- scheduling & patient support ([000] §7.2) ---- */
    { .id = "identity_method", .label = "Identity verified by", CHOICE(c_identity_method),
      .phi = NX_PHI_NONE, .kinds = S, .home = NX_AT_FIELD, .required_for = "in-progress",
      .help = "Client-approved verification step used, before anything else is discussed" },
    { .id = "identity_result", .label = "Identity result", CHOICE(c_identity_result),
      .phi = NX_PHI_NONE, .kinds = S, .home = NX_AT_FIELD, .required_for = "in-progress",
      .help = "verified or failed; nothing else may be recorded until verified" },
    { .id = "channel", .label = "Channel", CHOICE(c_channel), .phi = NX_PHI_NONE, .kinds = S,
      .home = NX_AT_FIELD, .required_for = "scheduled",
      .help = "phone, sms or email (no sms/email under confidential communication)" },
    { .id = "template", .label = "Script / template", TEXT(80), .phi = NX_PHI_NONE, .kinds = S,
      .home = NX_AT_FIELD, .required_for = "scheduled",
      .help = "Name of the client-approved script or template used" },
    { .id = "appointment_provider", .label = "Appointment provider", TEXT(80),
      .phi = NX_PHI_NONE, .kinds = S, .home = NX_AT_FIELD, .required_for = "scheduled",
      .help = "Provider the patient will see" },
    { .id = "appointment_location", .label = "Appointment location", TEXT(120),
      .phi = NX_PHI_NONE, .kinds = S, .home = NX_AT_FIELD, .required_for = "scheduled",
      .help = "Clinic site or telehealth" },
    { .id = "appointment_time", .label = "Appointment time", DATETIME, .phi = NX_PHI_DATE,
      .kinds = S, .home = NX_AT_FIELD, .required_for = "scheduled",
      .help = "YYYY-MM-DD HH:MM in the client's time zone" },
    { .id = "visit_type", .label = "Visit type", TEXT(60), .phi = NX_PHI_NONE, .kinds = S,
      .home = NX_AT_FIELD, .required_for = "scheduled",
      .help = "As the client's scheduling system names it (new patient, follow-up...)" },
    { .id = "escalation", .label = "Escalation", CHOICE(c_escalation), .phi = NX_PHI_NONE,
      .kinds = S, .home = NX_AT_FIELD, .required_for = "escalated",
      .help = "complaint or urgent-clinical goes to the client's escalation contact" },

    /* ---- eligibility & benefits ([000] §7.3) ---- */
    { .id = "plan", .label = "Plan", TEXT(80), .phi = NX_PHI_NONE, .kinds = E,
      .home = NX_AT_FIELD, .required_for = "verified", .help = "Plan or product name" },
    { .id = "group_number", .label = "Group number", TEXT(40), .phi = NX_PHI_NONE, .kinds = E,
      .home = NX_AT_FIELD, .help = "Employer group number from the card (identifies the group, not the member)" },
    { .id = "subscriber_relationship", .label = "Relationship to subscriber",
      CHOICE(c_relationship), .phi = NX_PHI_NONE, .kinds = E, .home = NX_AT_FIELD,
      .required_for = "verifying", .help = "self, spouse, child or other" },
    { .id = "service_date", .label = "Date of service", DATE, .phi = NX_PHI_DATE, .kinds = E,
      .home = NX_AT_FIELD, .required_for = "verifying",
      .help = "YYYY-MM-DD; verify at least 48-72 h before it" },
    { .id = "cpt_codes", .label = "CPT/HCPCS codes", CODES(norm_procedure),
      .phi = NX_PHI_CLINICAL, .kinds = E, .home = NX_AT_FIELD, .required_for = "verifying",
      .help = "Procedure codes, comma-separated (99213, E0601)" },
    { .id = "icd_codes", .label = "ICD-10-CM codes", CODES(nx_norm_icd10cm),
      .phi = NX_PHI_CLINICAL, .kinds = E, .home = NX_AT_FIELD,
      .help = "Diagnosis codes, comma-separated (E11.9, I10)" },
    { .id = "provider_npi", .label = "Provider NPI", CODE(nx_norm_npi), .phi = NX_PHI_NONE,
      .kinds = E, .home = NX_AT_FIELD, .required_for = "verifying",
      .help = "Rendering provider's 10-digit NPI" },
    { .id = "coverage_active", .label = "Coverage active", BOOL, .phi = NX_PHI_NONE,
      .kinds = E, .home = NX_AT_FIELD, .required_for = "verified",
      .help = "yes when the payer confirms coverage on the date of service" },
    { .id = "deductible_total", .label = "Deductible", MONEY, .phi = NX_PHI_NONE, .kinds = E,
      .home = NX_AT_FIELD, .help = "Annual deductible, dollars and cents" },
    { .id = "deductible_met", .label = "Deductible met", MONEY, .phi = NX_PHI_NONE, .kinds = E,
      .home = NX_AT_FIELD, .help = "Amount of the deductible met so far" },
    { .id = "copay", .label = "Copay", MONEY, .phi = NX_PHI_NONE, .kinds = E,
      .home = NX_AT_FIELD, .help = "Copay for this service, dollars and cents" },
    { .id = "coinsurance", .label = "Coinsurance %", .type = NX_FT_PERCENT, .min = 0, .max = 100,
      .phi = NX_PHI_NONE, .kinds = E, .home = NX_AT_FIELD, .help = "Patient's share, 0-100" },
    { .id = "oop_max", .label = "Out-of-pocket max", MONEY, .phi = NX_PHI_NONE, .kinds = E,
      .home = NX_AT_FIELD, .help = "Annual out-of-pocket maximum" },
    { .id = "plan_limits", .label = "Plan limits", LONGTEXT(1000), .phi = NX_PHI_NONE,
      .kinds = E, .home = NX_AT_FIELD, .help = "Visit limits, exclusions, network rules" },
    { .id = "coverage_ref", .label = "Confirmation reference", TEXT(60), .phi = NX_PHI_NONE,
      .kinds = E, .home = NX_AT_FIELD, .required_for = "verified",
      .help = "Payer's reference for this verification (call ref or transaction id)" },
    { .id = "prior_auth_required", .label = "Prior auth required", BOOL, .phi = NX_PHI_NONE,
      .kinds = E, .home = NX_AT_FIELD, .required_for = "verified",
      .help = "yes hands the item off: a linked prior-auth item is created" },

    /* ---- prior authorization incl. DME ([000] §7.4, App. E) ---- */
    { .id = "dx_codes", .label = "Diagnosis codes", CODES(nx_norm_icd10cm),
      .phi = NX_PHI_CLINICAL, .kinds = P, .home = NX_AT_FIELD, .required_for = "submitted",
      .help = "ICD-10-CM codes supporting the request, comma-separated" },
    { .id = "procedure_codes", .label = "CPT/HCPCS codes", CODES(norm_procedure),
      .phi = NX_PHI_CLINICAL, .kinds = P, .home = NX_AT_FIELD, .required_for = "submitted",
      .help = "Service lines; DME as HCPCS Level II (E0601)" },
    { .id = "modifiers", .label = "Modifiers", CODES(nx_norm_modifier), .phi = NX_PHI_CLINICAL,
      .kinds = P, .home = NX_AT_FIELD, .help = "CPT/HCPCS modifiers, comma-separated (RT, NU)" },
    { .id = "units", .label = "Units requested", INT(1, 9999), .phi = NX_PHI_NONE, .kinds = P,
      .home = NX_AT_FIELD, .required_for = "submitted", .help = "Units or visits requested, 1-9999" },
    { .id = "dme", .label = "DME", BOOL, .phi = NX_PHI_NONE, .kinds = P, .home = NX_AT_FIELD,
      .help = "yes for durable medical equipment" },
    { .id = "rental_purchase", .label = "Rental or purchase", CHOICE(c_rental),
      .phi = NX_PHI_NONE, .kinds = P, .home = NX_AT_FIELD, .help = "DME only: rental or purchase" },
    { .id = "supplier", .label = "Supplier", TEXT(80), .phi = NX_PHI_NONE, .kinds = P,
      .home = NX_AT_FIELD, .help = "DME supplier name" },
    { .id = "ordering_npi", .label = "Ordering provider NPI", CODE(nx_norm_npi),
      .phi = NX_PHI_NONE, .kinds = P, .home = NX_AT_FIELD, .required_for = "submitted",
      .help = "10-digit NPI of the ordering provider" },
    { .id = "doc_order", .label = "Doc: provider order", BOOL, .phi = NX_PHI_NONE, .kinds = P,
      .home = NX_AT_FIELD, .required_for = "submitted", .help = "Signed order attached" },
    { .id = "doc_clinical_notes", .label = "Doc: clinical notes", BOOL, .phi = NX_PHI_NONE,
      .kinds = P, .home = NX_AT_FIELD, .required_for = "submitted",
      .help = "Supporting clinical notes attached (reference only, no bytes here)" },
    { .id = "doc_payer_form", .label = "Doc: payer form", BOOL, .phi = NX_PHI_NONE, .kinds = P,
      .home = NX_AT_FIELD, .required_for = "submitted", .help = "Payer's request form completed" },
    { .id = "doc_medical_necessity", .label = "Doc: medical necessity", BOOL,
      .phi = NX_PHI_NONE, .kinds = P, .home = NX_AT_FIELD, .required_for = "submitted",
      .help = "Letter or criteria of medical necessity attached" },
    { .id = "payer_ref", .label = "Payer reference", TEXT(60), .phi = NX_PHI_NONE, .kinds = P,
      .home = NX_AT_FIELD, .required_for = "pending", .help = "Payer's case or tracking number" },
    { .id = "submitted_at", .label = "Submitted at", DATETIME, .phi = NX_PHI_NONE, .kinds = P,
      .home = NX_AT_FIELD, .required_for = "submitted",
      .help = "When the request reached the payer (starts the follow-up clock)" },
    { .id = "decision", .label = "Decision", CHOICE(c_decision), .phi = NX_PHI_NONE, .kinds = P,
      .home = NX_AT_FIELD, .required_for = "approved partially-approved denied",
      .help = "approved, partially-approved or denied" },
    { .id = "auth_number", .label = "Auth number", TEXT(60), .phi = NX_PHI_NONE, .kinds = P,
      .home = NX_AT_FIELD, .required_for = "approved partially-approved",
      .help = "Authorization number the payer issued" },
    { .id = "valid_from", .label = "Valid from", DATE, .phi = NX_PHI_NONE, .kinds = P,
      .home = NX_AT_FIELD, .required_for = "approved partially-approved",
      .help = "First day the authorization covers" },
    { .id = "valid_to", .label = "Valid to", DATE, .phi = NX_PHI_NONE, .kinds = P,
      .home = NX_AT_FIELD, .required_for = "approved partially-approved",
      .help = "Last day the authorization covers" },
    { .id = "units_granted", .label = "Units granted", INT(0, 9999), .phi = NX_PHI_NONE,
      .kinds = P, .home = NX_AT_FIELD, .required_for = "approved partially-approved",
      .help = "Units the payer approved, 0-9999" },
    { .id = "units_used", .label = "Units used", INT(0, 9999), .phi = NX_PHI_NONE, .kinds = P,
      .home = NX_AT_FIELD, .help = "Used so far; recorded as increments so devices can add offline" },
    { .id = "denial_reason", .label = "Denial reason", TEXT(200), .phi = NX_PHI_CLINICAL,
      .kinds = P, .home = NX_AT_FIELD, .required_for = "appeal-prepared",
      .help = "Denial category and the payer's stated reason" },
    { .id = "appeal_deadline", .label = "Appeal deadline", DATE, .phi = NX_PHI_NONE,
      .kinds = P, .home = NX_AT_FIELD, .required_for = "appeal-prepared",
      .help = "Last day to file the appeal under the payer's rules" },

    /* ---- release of information ([000] §6.4, §7.6, App. D; seed 004 §4) ---- */
    { .id = "auth_ref", .label = "Authorization ref", TEXT(60), .phi = NX_PHI_NONE,
      .kinds = R, .home = NX_AT_FIELD, .required_for = "authorization-valid",
      .help = "Id of the signed authorization in the client's system" },
    { .id = "auth_date", .label = "Authorization date", DATE, .phi = NX_PHI_NONE, .kinds = R,
      .home = NX_AT_FIELD, .required_for = "authorization-valid", .help = "Date it was signed" },
    { .id = "auth_expiry", .label = "Authorization expiry", DATE, .phi = NX_PHI_NONE,
      .kinds = R, .home = NX_AT_FIELD, .required_for = "authorization-valid",
      .help = "Expiry date; an expired authorization blocks the release" },
    { .id = "auth_scope", .label = "Information to release", TEXT(200),
      .phi = NX_PHI_CLINICAL, .kinds = R, .home = NX_AT_FIELD,
      .required_for = "authorization-valid",
      .help = "Description and date range of the records, as the authorization states" },
    { .id = "auth_purpose", .label = "Purpose", CHOICE(nx_purpose_ids), .phi = NX_PHI_NONE,
      .kinds = R, .home = NX_AT_FIELD, .required_for = "authorization-valid",
      .help = "Decides whether the release enters the accounting of disclosures" },
    { .id = "auth_revoked", .label = "Authorization revoked", BOOL, .phi = NX_PHI_NONE,
      .kinds = R, .home = NX_AT_FIELD, .help = "yes blocks the item at once" },
    AUTH_ELEMENT("auth_has_description", "Auth: describes the information",
                 "Specific, meaningful description of the information to disclose"),
    AUTH_ELEMENT("auth_has_discloser", "Auth: who may disclose",
                 "Names the person or class of persons who may disclose"),
    AUTH_ELEMENT("auth_has_recipient", "Auth: recipient",
                 "Names the person or class of persons who may receive"),
    AUTH_ELEMENT("auth_has_purpose", "Auth: purpose", "States the purpose of each disclosure"),
    AUTH_ELEMENT("auth_has_expiry", "Auth: expiry", "Has an expiration date or event"),
    AUTH_ELEMENT("auth_has_revocation_right", "Auth: right to revoke",
                 "States the right to revoke in writing and how"),
    AUTH_ELEMENT("auth_has_signature", "Auth: dated signature", "Signed and dated"),
    AUTH_ELEMENT("auth_has_conditioning", "Auth: conditioning statement",
                 "States whether treatment or payment may be conditioned on it"),
    AUTH_ELEMENT("auth_has_redisclosure", "Auth: re-disclosure warning",
                 "Warns that the recipient may re-disclose"),
    AUTH_ELEMENT("auth_by_representative", "Auth: signed by a representative",
                 "yes when a personal representative signed for the patient"),
    { .id = "auth_has_representative_authority", .label = "Auth: representative's authority",
      BOOL, .phi = NX_PHI_NONE, .kinds = R, .home = NX_AT_FIELD,
      .help = "Describes the representative's authority (needed when one signed)" },
    AUTH_ELEMENT("auth_combined", "Auth: combined with another document",
                 "yes makes it invalid (a compound authorization)"),
    { .id = "holder_type", .label = "Record holder", CHOICE(c_holder), .phi = NX_PHI_NONE,
      .kinds = R, .home = NX_AT_FIELD, .required_for = "requested",
      .help = "provider, hospital, insurer or clearinghouse" },
    { .id = "recipient_name", .label = "Recipient", TEXT(120), .phi = NX_PHI_NAME, .kinds = R,
      .home = NX_AT_FIELD, .required_for = "requested",
      .help = "Who receives the records (goes to the accounting of disclosures)" },
    { .id = "recipient_address", .label = "Recipient address", TEXT(200),
      .phi = NX_PHI_ADDRESS, .kinds = R, .home = NX_AT_FIELD, .required_for = "requested",
      .help = "Street, town, state ZIP (goes to the accounting of disclosures)" },
    { .id = "recipient_verified", .label = "Recipient verified", BOOL, .phi = NX_PHI_NONE,
      .kinds = R, .home = NX_AT_FIELD, .required_for = "requested",
      .help = "Identity and authority of the recipient checked" },
    { .id = "recipient_verify_method", .label = "Recipient verified by",
      CHOICE(c_verify_method), .phi = NX_PHI_NONE, .kinds = R, .home = NX_AT_FIELD,
      .required_for = "requested", .help = "How the recipient's identity and authority were checked" },
    { .id = "release_channel", .label = "Channel", CHOICE(c_release_channel),
      .phi = NX_PHI_NONE, .kinds = R, .home = NX_AT_FIELD, .required_for = "requested",
      .help = "efax or portal (approved channels only)" },
    { .id = "fax_number", .label = "Fax number", TEXT(20), .norm = nx_norm_phone,
      .phi = NX_PHI_NONE, .kinds = R, .home = NX_AT_FIELD,
      .help = "Record holder's fax, 10 digits; verify it before sending" },
    { .id = "fax_verified_by", .label = "Fax verified by", CHOICE(c_fax_verified_by),
      .phi = NX_PHI_NONE, .kinds = R, .home = NX_AT_FIELD,
      .help = "callback or directory" },
    { .id = "cover_sheet_used", .label = "Cover sheet used", BOOL, .phi = NX_PHI_NONE,
      .kinds = R, .home = NX_AT_FIELD, .help = "Confidentiality notice, sender and callback number" },
    { .id = "request_sent_at", .label = "Request sent at", DATETIME, .phi = NX_PHI_NONE,
      .kinds = R, .home = NX_AT_FIELD, .required_for = "requested",
      .help = "Starts the follow-up cadence" },
    { .id = "received_at", .label = "Received at", DATETIME, .phi = NX_PHI_NONE, .kinds = R,
      .home = NX_AT_FIELD, .required_for = "received", .help = "When the records arrived" },
    { .id = "record_match_verified", .label = "Patient/record match", BOOL, .phi = NX_PHI_NONE,
      .kinds = R, .home = NX_AT_FIELD, .required_for = "verified",
      .help = "Records checked to be this patient's" },
    { .id = "complete_first_pass", .label = "Complete on first pass", BOOL, .phi = NX_PHI_NONE,
      .kinds = R, .home = NX_AT_FIELD, .required_for = "verified",
      .help = "no when a correction or addendum had to be requested" },
    { .id = "correction_requested", .label = "Correction requested", BOOL, .phi = NX_PHI_NONE,
      .kinds = R, .home = NX_AT_FIELD, .help = "Correction or addendum asked of the holder" },
    { .id = "client_notified", .label = "Client notified", BOOL, .phi = NX_PHI_NONE, .kinds = R,
      .home = NX_AT_FIELD, .required_for = "closed", .help = "Client told the records are in its system" },
    { .id = "copies_purged", .label = "Temporary copies purged", BOOL, .phi = NX_PHI_NONE,
      .kinds = R, .home = NX_AT_FIELD, .required_for = "closed",
      .help = "Every temporary copy outside the designated system destroyed" },
};

static const nx_dict default_dict = { fields, sizeof fields / sizeof fields[0] };

const nx_dict *nx_dict_default(void) { return &default_dict; }
