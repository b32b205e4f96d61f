/* import.c — CSV import through the one write path (see import.h). */
#include "app/import.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include "app/hooks.h"
#include "app/ingest.h"
#include "ingest/csv_in.h"
#include "util/csv.h"
#include "util/progress.h"
#include "util/timefmt.h"

static volatile sig_atomic_t interrupted;

void rs_app_import_interrupt(void)
{
    interrupted = 1;
}

/* Rejected rows: each is named on its own line, up to MAX in all and PER_REASON of one reason
 * (the message with its quoted values taken out); the others are counted by reason and said at
 * the end, with how many and where: thousands of one mistake are not thousands of lines. */
#define REJECT_GROUPS 16
#define REJECT_PER_REASON 5
struct rejects {
    int64_t shown, more, other; /* other: not shown, of a reason past the last group */
    int n;
    struct {
        char reason[256];
        int64_t seen, more;
        long first, last; /* lines of the rows not shown */
    } g[REJECT_GROUPS];
};

/* MSG with what is between double quotes replaced by "…" ("status \"flying\" is not …" and
 * "status \"lost\" is not …" are one reason). */
static void reason_of(const char *msg, char *out, size_t cap)
{
    size_t k = 0;
    bool quoted = false;
    for (const char *p = msg; *p && k + 4 < cap; p++) {
        if (*p == '"') {
            if (!quoted) {
                memcpy(out + k, "\"\xe2\x80\xa6", 4); /* "… */
                k += 4;
            } else {
                out[k++] = '"';
            }
            quoted = !quoted;
        } else if (!quoted) {
            out[k++] = *p;
        }
    }
    out[k] = '\0';
}

static void report(FILE *errs, struct rs_progress *prog, long line, const char *msg, struct rejects *r, int max)
{
    char reason[256];
    reason_of(msg, reason, sizeof reason);
    int i = 0;
    while (i < r->n && strcmp(r->g[i].reason, reason))
        i++;
    if (i == r->n && r->n < REJECT_GROUPS) {
        r->n++;
        snprintf(r->g[i].reason, sizeof r->g[i].reason, "%s", reason);
        r->g[i].seen = r->g[i].more = 0;
    }
    bool grouped = i < r->n;
    if (grouped)
        r->g[i].seen++;
    if (r->shown < max && (!grouped || r->g[i].seen <= REJECT_PER_REASON)) {
        r->shown++;
        if (errs) {
            rs_progress_clear(prog);
            fprintf(errs, "line %ld: %s\n", line, msg);
        }
        return;
    }
    r->more++;
    if (!grouped) {
        r->other++;
        return;
    }
    if (!r->g[i].more++)
        r->g[i].first = line;
    r->g[i].last = line;
}

static void report_more(FILE *errs, const struct rejects *r)
{
    if (!errs || !r->more)
        return;
    fprintf(errs, "… and %lld more rejected rows, by reason:\n", (long long)r->more);
    for (int i = 0; i < r->n; i++) {
        if (r->g[i].more == 1)
            fprintf(errs, "  1 row (line %ld): %s\n", r->g[i].first, r->g[i].reason);
        else if (r->g[i].more)
            fprintf(errs, "  %lld rows (lines %ld to %ld): %s\n", (long long)r->g[i].more, r->g[i].first,
                    r->g[i].last, r->g[i].reason);
    }
    if (r->other)
        fprintf(errs, "  %lld rows for other reasons\n", (long long)r->other);
}

static void add_counts(struct rs_import_summary *sum, const struct rs_import_summary *one)
{
    sum->orders_created += one->orders_created;
    sum->orders_updated += one->orders_updated;
    sum->orders_unchanged += one->orders_unchanged;
    sum->shipments_created += one->shipments_created;
    sum->shipments_updated += one->shipments_updated;
    sum->shipments_unchanged += one->shipments_unchanged;
    sum->events_accepted += one->events_accepted;
    sum->events_duplicate += one->events_duplicate;
    sum->deliveries_replayed += one->deliveries_replayed;
}

/* Once, when the reader first takes a record as Windows-1252: say so, so that a file whose
 * accents look wrong afterwards can be traced to its encoding. */
static void legacy_note(const struct rs_csv *c, struct rs_progress *prog, bool *said, FILE *errs)
{
    if (*said || !c->legacy_line)
        return;
    *said = true;
    if (!errs)
        return;
    if (prog)
        rs_progress_clear(prog);
    fprintf(errs, "note: the file is not UTF-8: read as Windows-1252 (Excel's \"CSV\" on Windows) from line %ld; "
                  "save it as \"CSV UTF-8\" to avoid the guess\n", c->legacy_line);
}

/* Every field empty: the row a spreadsheet writes for an empty line of the sheet. */
static bool blank_record(const struct rs_csv *c)
{
    for (int i = 0; i < c->nfields; i++)
        if (c->fields[i][0])
            return false;
    return true;
}

/* One row inside its savepoint. RS_EINVAL/ECONFLICT: row rejected with ERR; others: storage.
 * SUM is the row's own tally, added to the file's only when the row is kept and committed: a
 * row whose shipment or event fails is rolled back with its order, which is then not created. */
static enum rs_err apply_row(struct rs_store *s, int64_t merchant_id, struct rs_csv_row *row, int64_t now,
                             struct rs_import_summary *sum, struct rs_app_error *err)
{
    struct rs_prep_buf ob, sb, eb;
    enum rs_err e;
    if (row->has_order && (e = rs_app_order_prepare(&row->order, &ob, err)))
        return e;
    if (row->has_shipment && (e = rs_app_shipment_prepare(&row->shipment, &sb, err)))
        return e;
    if (row->has_event && (e = rs_app_event_prepare(&row->event, &eb, err)))
        return e;
    enum rs_put_result res;
    if (row->has_order) {
        char code[RS_TRACKCODE_LEN];
        if ((e = rs_app_order_put(s, merchant_id, &row->order, now, &res, code, err)))
            return e;
        int64_t *c[] = {&sum->orders_created, &sum->orders_updated, &sum->orders_unchanged};
        (*c[res])++;
    }
    if (row->has_shipment) {
        if ((e = rs_app_shipment_put(s, merchant_id, &row->shipment, now, &res, err)))
            return e;
        int64_t *c[] = {&sum->shipments_created, &sum->shipments_updated, &sum->shipments_unchanged};
        (*c[res])++;
    }
    if (row->has_event) {
        e = rs_app_event_record(s, merchant_id, &row->event, now, err);
        if (e == RS_EDUPLICATE)
            sum->events_duplicate++;
        else if (e)
            return e;
        else
            sum->events_accepted++;
    }
    return RS_OK;
}

/* Before a chunk's commit: the shop deliveries that waited for the orders it created (refs in
 * CREATED, then emptied) are replayed in the same transaction (docs/api/webhooks.md). */
static enum rs_err replay_waiting(struct rs_store *s, int64_t merchant_id, json_t *created, int64_t now,
                                  struct rs_import_summary *pending)
{
    json_t *replays = NULL;
    enum rs_err e = rs_app_hook_replay_waiting(s, merchant_id, created, "rastro import", now, &replays);
    if (!e)
        pending->deliveries_replayed += (int64_t)json_array_size(replays);
    json_decref(replays);
    json_array_clear(created);
    return e;
}

enum rs_err rs_app_import(struct rs_store *s, int64_t merchant_id, FILE *fp, int64_t size, const char *zone,
                          FILE *errs, int max_reported, struct rs_import_summary *sum)
{
    memset(sum, 0, sizeof *sum);
    struct rs_csv csv;
    struct rs_csv_header h;
    struct rs_app_error err = {0};
    static struct rs_item_in items[RS_MAX_ITEMS];
    struct rejects rej = {0};
    enum rs_err e = rs_csv_init_file(&csv, fp);
    if (e)
        return e;
    csv.legacy = 1; /* Excel on Windows in Spanish saves "CSV" in Windows-1252 */
    bool legacy_said = false;
    e = rs_csv_header(&csv);
    if (e == RS_ENOTFOUND) {
        if (errs)
            fprintf(errs, "the file is empty: it needs a header line (see docs/import.md)\n");
        rs_csv_release(&csv);
        return RS_EINVAL;
    }
    if (e || (e = rs_csv_header_parse(csv.fields, csv.nfields, &h, &err))) {
        if (errs)
            fprintf(errs, "line 1: %s\n",
                    csv.utf16 ? RS_CSV_UTF16_ADVICE : e == RS_EINVAL && err.code ? err.message : "unreadable header");
        rs_csv_release(&csv);
        return RS_EINVAL;
    }
    char shop_zone[64] = "";
    json_t *m = NULL;
    if (rs_store_merchant_get(s, merchant_id, &m) == RS_OK) {
        const char *tz = json_string_value(json_object_get(m, "timezone"));
        snprintf(shop_zone, sizeof shop_zone, "%s", tz ? tz : "");
    }
    json_decref(m);
    h.zone = zone;
    h.shop_zone = shop_zone;
    if (h.n_unknown && errs)
        fprintf(errs, "note: ignoring unknown column(s): %s\n", h.unknown);
    legacy_note(&csv, NULL, &legacy_said, errs);

    struct rs_progress prog;
    rs_progress_init(&prog, "importing", "bytes", size);
    int in_tx = 0;
    struct rs_import_summary pending = {0}; /* the open transaction's rows: counted once committed */
    int64_t now = rs_now();
    bool read_err = false;
    json_t *created = json_array(); /* refs of the orders the open transaction created */
    for (;;) {
        if (interrupted) { /* Ctrl-C: keep what was read, say where it stopped */
            sum->stopped_at_line = csv.line + 1;
            break;
        }
        e = rs_csv_next(&csv);
        if (ferror(fp)) { /* a read error ends the input like its end would: the record is cut short */
            rs_progress_clear(&prog);
            if (errs)
                fprintf(errs, "line %ld: cannot read the file from here on (%s); rows before this line are "
                        "saved, import the rest again once the file can be read\n", csv.line, strerror(errno));
            read_err = true; /* the rows before it are good: commit them, then fail */
            e = RS_OK;
            break;
        }
        if (e == RS_ENOTFOUND) {
            e = RS_OK;
            break;
        }
        if (e == RS_ENOMEM)
            break;
        legacy_note(&csv, &prog, &legacy_said, errs);
        if (!e && blank_record(&csv)) { /* ",,,," or ";;;;": a spreadsheet's empty row, a blank line */
            rs_progress_update(&prog, csv.bytes_read);
            continue;
        }
        sum->rows++;
        if (e) {
            sum->rejected++;
            report(errs, &prog, csv.line, e == RS_ETOOBIG ? "the row is too long or has too many fields" : "unterminated quote",
                   &rej, max_reported);
            if (e == RS_EINVAL) { /* unterminated quote runs to the end of the file */
                e = RS_OK;
                break;
            }
            continue;
        }
        struct rs_csv_row row;
        memset(&err, 0, sizeof err);
        enum rs_err re = rs_csv_row_parse(&h, csv.fields, csv.nfields, &row, items, &err);
        if (!re) {
            if (!in_tx) {
                if ((e = rs_store_begin(s)))
                    break;
                in_tx = 1;
            }
            if ((e = rs_store_savepoint(s)))
                break;
            struct rs_import_summary one = {0};
            re = apply_row(s, merchant_id, &row, now, &one, &err);
            if (re == RS_OK) {
                if ((e = rs_store_release(s)))
                    break;
                add_counts(&pending, &one);
                if (one.orders_created)
                    json_array_append_new(created, json_string(row.order.order_ref));
                in_tx++;
            } else {
                rs_store_rollback_to(s);
                if (re != RS_EINVAL && re != RS_ECONFLICT) {
                    e = re;
                    break;
                }
            }
        }
        if (re && err.code && !strcmp(err.code, "unknown_order")) /* the API's advice is not a CSV's */
            snprintf(err.message, sizeof err.message,
                     "no order \"%.128s\" yet: give the order a row with placed_at on an earlier line "
                     "(rows are read in order), or import the orders first",
                     row.shipment.order_ref);
        if (re) {
            sum->rejected++;
            report(errs, &prog, csv.line, err.code ? err.message : rs_strerror(re), &rej, max_reported);
        }
        if (in_tx > RS_IMPORT_CHUNK) {
            if ((e = replay_waiting(s, merchant_id, created, now, &pending)) || (e = rs_store_commit(s)))
                break;
            in_tx = 0;
            add_counts(sum, &pending);
            memset(&pending, 0, sizeof pending);
        }
        rs_progress_update(&prog, csv.bytes_read);
    }
    if (in_tx && !e)
        e = replay_waiting(s, merchant_id, created, now, &pending);
    if (in_tx) {
        if (e)
            rs_store_rollback(s);
        else if (!(e = rs_store_commit(s)))
            add_counts(sum, &pending);
    }
    json_decref(created);
    if (read_err && !e)
        e = RS_EIO;
    rs_progress_update(&prog, csv.bytes_read);
    rs_progress_done(&prog);
    report_more(errs, &rej);
    rs_csv_release(&csv);
    return e;
}
