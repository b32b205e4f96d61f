/* intent_entities.c — order numbers, tracking codes, carrier tracking numbers, emails and
 * postcodes in a customer's message (see intent.h).
 *
 * Works on the raw text split into words (whitespace and most punctuation separate words; '-',
 * '#', '@', '.', '_', '+' stay inside them). Order numbers need a cue ("pedido", "order",
 * "orden", "compra", "#"); postcodes need a cue ("cp", "codigo postal", "zip", "postcode") or
 * a shape only postcodes have (UK, Canada) or a 5-digit number followed by a capitalised word
 * (a city: "28013 Madrid"). Hand-written rather than regex(3): the cues look across words and
 * the Rastro code check comes from rs_trackcode_parse. */
#include "core/intent.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAXW 96

struct word {
    char s[48];     /* the word, trailing '.' ',' ':' ';' stripped */
    char low[48];   /* lower case, ASCII only */
    int end_comma;  /* the word was followed by ',' */
    int used;
};

static int word_char(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '#' || c == '@' || c == '.' || c == '_' || c == '+' ||
           c == '/' || c >= 0x80;
}

static unsigned split_words(const char *text, struct word *w)
{
    unsigned n = 0;
    const unsigned char *p = (const unsigned char *)text;
    while (*p && n < MAXW) {
        while (*p && !word_char(*p))
            p++;
        if (!*p)
            break;
        const unsigned char *b = p;
        while (*p && word_char(*p))
            p++;
        size_t l = (size_t)(p - b);
        int comma = *p == ',';
        /* strip trailing punctuation that ends sentences */
        while (l && (b[l - 1] == '.' || b[l - 1] == '-' || b[l - 1] == '/')) {
            l--;
        }
        while (l && (b[0] == '.' || b[0] == '-' || b[0] == '/')) {
            b++;
            l--;
        }
        if (l == 0)
            continue;
        if (l >= sizeof w[n].s)
            l = sizeof w[n].s - 1;
        memcpy(w[n].s, b, l);
        w[n].s[l] = '\0';
        for (size_t i = 0; i <= l; i++)
            w[n].low[i] = (char)tolower((unsigned char)w[n].s[i]);
        w[n].end_comma = comma;
        w[n].used = 0;
        n++;
    }
    return n;
}

static void copy_upper(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++)
        dst[i] = (char)toupper((unsigned char)src[i]);
    dst[i] = '\0';
}

static int count_digits(const char *s)
{
    int d = 0;
    for (; *s; s++)
        d += isdigit((unsigned char)*s) != 0;
    return d;
}

static int all_alnum(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s))
            return 0;
    return 1;
}

static int all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static int is_one_of(const char *w, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(w, list[i]) == 0)
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- email */

static int email_local(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static void find_email(const char *text, struct rs_intent_entities *e)
{
    for (const char *at = strchr(text, '@'); at; at = strchr(at + 1, '@')) {
        const char *b = at;
        while (b > text && email_local((unsigned char)b[-1]))
            b--;
        const char *q = at + 1;
        while (*q && (isalnum((unsigned char)*q) || *q == '.' || *q == '-'))
            q++;
        while (q > at + 1 && (q[-1] == '.' || q[-1] == '-'))
            q--;
        size_t ll = (size_t)(at - b), dl = (size_t)(q - at - 1);
        if (ll == 0 || dl < 3 || ll + dl + 2 > sizeof e->email)
            continue;
        const char *dot = memchr(at + 1, '.', dl);
        if (!dot || dot == at + 1)
            continue;
        /* the top-level domain: letters, at least two */
        const char *tld = at + 1 + dl;
        while (tld > at + 1 && tld[-1] != '.')
            tld--;
        size_t tl = (size_t)(at + 1 + dl - tld);
        int ok = tl >= 2;
        for (size_t i = 0; i < tl; i++)
            ok = ok && isalpha((unsigned char)tld[i]);
        if (!ok)
            continue;
        size_t n = ll + 1 + dl;
        for (size_t i = 0; i < n; i++)
            e->email[i] = (char)tolower((unsigned char)b[i]);
        e->email[n] = '\0';
        return;
    }
}

/* ---------------------------------------------------------------- tracking */

/* Rastro codes: one word ("RX-7K4Q-9PZD-M3TXW", "7K4Q9PZDM3TXW") or up to four words that join
 * into 13 or 15 characters ("RX 7K4Q 9PZD M3TXW"). */
static void find_trackcode(struct word *w, unsigned n, struct rs_intent_entities *e)
{
    for (unsigned i = 0; i < n; i++) {
        char joined[64];
        size_t jl = 0;
        for (unsigned k = 0; k < 4 && i + k < n; k++) {
            if (w[i + k].used)
                break;
            const char *s = w[i + k].s;
            int ok = 1;
            for (const char *p = s; *p; p++)
                ok = ok && (isalnum((unsigned char)*p) || *p == '-');
            size_t sl = strlen(s);
            /* across words only code groups join: "RX", then groups of 4 or 5 characters */
            if (n > 0 && (k > 0 || i + 1 < n) && !strchr(s, '-') && sl != 4 && sl != 5 &&
                !(sl == 2 && (s[0] == 'r' || s[0] == 'R') && (s[1] == 'x' || s[1] == 'X')) &&
                sl != 13 && sl != 15)
                ok = 0;
            if (!ok)
                break;
            if (jl + sl + 1 >= sizeof joined)
                break;
            memcpy(joined + jl, s, sl + 1);
            jl += sl;
            char clean[64];
            size_t cl = 0;
            for (const char *p = joined; *p; p++)
                if (*p != '-')
                    clean[cl++] = *p;
            clean[cl] = '\0';
            int rx = cl == 15 && (clean[0] == 'r' || clean[0] == 'R') &&
                     (clean[1] == 'x' || clean[1] == 'X');
            if (!(cl == 13 || rx))
                continue;
            int dashed = strchr(joined, '-') != NULL || k > 0;
            /* 13 bare letters are more often a word ("desafortunado") than a code; one code in
             * 130 has no digit at all (RX-MEHK-HBRG-BPNEW), so the prefix or the groups suffice */
            if (count_digits(clean) == 0 && !rx && !dashed)
                continue;
            char code[RS_TRACKCODE_LEN];
            enum rs_trackcode_check c = rs_trackcode_parse(joined, code);
            if (c == RS_TRACKCODE_OK) {
                memcpy(e->tracking_code, code, sizeof code);
            } else if (c == RS_TRACKCODE_TYPO && (rx || dashed) && !e->tracking_code_typo[0]) {
                memcpy(e->tracking_code_typo, code, sizeof code);
            } else {
                continue;
            }
            for (unsigned j = 0; j <= k; j++)
                w[i + j].used = 1;
            if (c == RS_TRACKCODE_OK)
                return;
            break;
        }
    }
}

static int carrier_shape(const char *u)
{
    size_t l = strlen(u);
    if (!all_alnum(u) || l < 10 || l > 34)
        return 0;
    /* UPS: 1Z + 16 */
    if (l == 18 && u[0] == '1' && u[1] == 'Z')
        return 1;
    /* UPU S10: two letters, nine digits, two letters (Correos, Royal Mail, USPS intl…) */
    if (l == 13 && isalpha((unsigned char)u[0]) && isalpha((unsigned char)u[1]) &&
        isalpha((unsigned char)u[11]) && isalpha((unsigned char)u[12]) && count_digits(u) == 9)
        return 1;
    int d = count_digits(u);
    /* FedEx 12/15, USPS 20–22, DHL Express 10 (with a cue), GLS, SEUR, Correos 23 chars */
    if ((size_t)d == l && l >= 12)
        return 1;
    return l >= 12 && d >= 8;
}

static const char *const track_cues[] = {"tracking", "seguimiento", "guia", "guía", "rastreo",
                                         "localizador", "track", "trk", "awb", NULL};

static void find_carrier(struct word *w, unsigned n, struct rs_intent_entities *e)
{
    for (unsigned i = 0; i < n; i++) {
        if (w[i].used)
            continue;
        char u[48];
        copy_upper(u, sizeof u, w[i].s);
        int cue = 0;
        for (unsigned k = 1; k <= 4 && k <= i; k++)
            cue = cue || is_one_of(w[i - k].low, track_cues);
        int ok = carrier_shape(u) ||
                 (cue && all_alnum(u) && strlen(u) >= 8 && count_digits(u) >= 6);
        if (ok && strlen(u) < sizeof e->tracking_number) {
            memcpy(e->tracking_number, u, strlen(u) + 1);
            w[i].used = 1;
            return;
        }
    }
}

/* ---------------------------------------------------------------- order number */

static const char *const order_cues[] = {"pedido", "pedidos", "order", "orders", "orden",
                                         "compra", "pedio", "oder", "ordr", "encargo", "purchase",
                                         NULL};
static const char *const order_fill[] = {
    "no",  "nº",  "n°",   "n",      "num",  "numero", "número", "number", "nr",  "nro", "es",
    "is",  "el",  "la",   "de",     "del",  "mi",     "my",     "#",      "id",  "ref", "con",
    "referencia", "reference", "with", "was", "fue", "era", "the", "#:", "n.", "no.", "nro.",
    "num.", ":", "nª", "°", "º", NULL};

static int order_shape(const char *s)
{
    size_t l = strlen(s);
    if (l < 2 || l > 30 || count_digits(s) == 0)
        return 0;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '/')
            return 0;
    return isalnum((unsigned char)s[0]) != 0;
}

static void set_order(struct rs_intent_entities *e, const char *s)
{
    if (*s == '#')
        s++;
    size_t l = strlen(s);
    if (l >= sizeof e->order_number)
        return;
    copy_upper(e->order_number, sizeof e->order_number, s);
}

static void find_order(struct word *w, unsigned n, struct rs_intent_entities *e)
{
    for (unsigned i = 0; i < n && !e->order_number[0]; i++) {
        if (w[i].used)
            continue;
        /* "#1042" anywhere */
        if (w[i].s[0] == '#' && order_shape(w[i].s + 1)) {
            set_order(e, w[i].s);
            w[i].used = 1;
            return;
        }
        if (!is_one_of(w[i].low, order_cues))
            continue;
        unsigned j = i + 1;
        while (j < n && j <= i + 4 && is_one_of(w[j].low, order_fill))
            j++;
        if (j < n && !w[j].used) {
            const char *s = w[j].s[0] == '#' ? w[j].s + 1 : w[j].s;
            if (order_shape(s) && !strchr(s, '@')) {
                set_order(e, s);
                w[j].used = 1;
                return;
            }
        }
    }
}

/* ---------------------------------------------------------------- postcode */

static int uk_outward(const char *u)
{
    /* A9, A99, AA9, AA99, A9A, AA9A */
    size_t l = strlen(u);
    if (l < 2 || l > 4 || !isalpha((unsigned char)u[0]))
        return 0;
    size_t i = 1;
    if (isalpha((unsigned char)u[i]))
        i++;
    if (i >= l || !isdigit((unsigned char)u[i]))
        return 0;
    i++;
    if (i < l)
        i++; /* a digit or a letter */
    return i == l;
}

static int uk_inward(const char *u)
{
    return strlen(u) == 3 && isdigit((unsigned char)u[0]) && isalpha((unsigned char)u[1]) &&
           isalpha((unsigned char)u[2]);
}

/* "SW1A1AA": an outward and an inward code written together */
static int uk_together(const char *u, size_t l)
{
    char o[8];
    memcpy(o, u, l - 3);
    o[l - 3] = '\0';
    return uk_outward(o);
}

static int ca_half(const char *u, int first)
{
    if (strlen(u) != 3)
        return 0;
    return first ? isalpha((unsigned char)u[0]) && isdigit((unsigned char)u[1]) &&
                       isalpha((unsigned char)u[2])
                 : isdigit((unsigned char)u[0]) && isalpha((unsigned char)u[1]) &&
                       isdigit((unsigned char)u[2]);
}

/* A postcode starting at word I: sets E->postcode, returns the number of words used (0: none). */
static unsigned postcode_at(struct word *w, unsigned n, unsigned i, int cued,
                            struct rs_intent_entities *e)
{
    if (w[i].used)
        return 0;
    char u[48], v[48] = "";
    copy_upper(u, sizeof u, w[i].s);
    if (i + 1 < n && !w[i + 1].used)
        copy_upper(v, sizeof v, w[i + 1].s);
    size_t l = strlen(u);
    char out[16] = "";
    unsigned used = 0;
    if (uk_outward(u) && uk_inward(v) && count_digits(u) > 0) {
        snprintf(out, sizeof out, "%.4s %.3s", u, v);
        used = 2;
    } else if (ca_half(u, 1) && ca_half(v, 0)) {
        snprintf(out, sizeof out, "%.3s %.3s", u, v);
        used = 2;
    } else if (cued && all_digits(u, 4) && strlen(v) == 2 && isalpha((unsigned char)v[0]) &&
               isalpha((unsigned char)v[1])) {
        snprintf(out, sizeof out, "%.4s %.2s", u, v); /* Netherlands */
        used = 2;
    } else if (l >= 5 && l <= 7 && uk_inward(u + l - 3) && uk_together(u, l)) {
        snprintf(out, sizeof out, "%.*s %.3s", (int)(l - 3), u, u + l - 3); /* "SW1A1AA" */
        used = 1;
    } else if (cued) {
        int ok = 0;
        if (all_digits(u, l) && l >= 4 && l <= 6)
            ok = 1; /* ES/MX/US/DE 5, AR/AT/CH 4, CO 6 */
        else if (l == 10 && u[5] == '-' && count_digits(u) == 9)
            ok = 1; /* US ZIP+4 */
        else if (l == 8 && u[4] == '-' && count_digits(u) == 7)
            ok = 1; /* Portugal */
        else if (l == 8 && isalpha((unsigned char)u[0]) && count_digits(u) == 4)
            ok = 1; /* Argentina CPA "C1425ABC" */
        if (ok && l < sizeof out) {
            memcpy(out, u, l + 1);
            used = 1;
        }
    }
    if (!used)
        return 0;
    memcpy(e->postcode, out, sizeof out);
    for (unsigned k = 0; k < used; k++)
        w[i + k].used = 1;
    return used;
}

static void find_postcode(struct word *w, unsigned n, struct rs_intent_entities *e)
{
    static const char *const cue1[] = {"cp", "c.p", "zip", "zipcode", "postcode", "postal",
                                       "cod.postal", "c.p.", "postalcode", NULL};
    for (unsigned i = 0; i < n; i++) {
        int cue = is_one_of(w[i].low, cue1) ||
                  (i + 1 < n && (strcmp(w[i].low, "codigo") == 0 || strcmp(w[i].low, "código") == 0 ||
                                 strcmp(w[i].low, "post") == 0) &&
                   (strcmp(w[i + 1].low, "postal") == 0 || strcmp(w[i + 1].low, "code") == 0));
        if (!cue)
            continue;
        unsigned j = i + 1;
        while (j < n && j <= i + 4 &&
               (is_one_of(w[j].low, (const char *const[]){"postal", "code", "es", "is", "el", "my",
                                                          "mi", "nuevo", "new", "de", "a", "al",
                                                          ":", "to", NULL})))
            j++;
        if (j < n && postcode_at(w, n, j, 1, e))
            return;
    }
    for (unsigned i = 0; i < n; i++) {
        if (postcode_at(w, n, i, 0, e))
            return;
        /* "28013 Madrid", "Calle Mayor 5, 28013" */
        if (!w[i].used && all_digits(w[i].s, 5) &&
            ((i + 1 < n && isupper((unsigned char)w[i + 1].s[0])) || (i && w[i - 1].end_comma))) {
            memcpy(e->postcode, w[i].s, 6);
            w[i].used = 1;
            return;
        }
    }
}

void rs_intent_entities(const char *text, struct rs_intent_entities *out)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return;
    struct word w[MAXW];
    unsigned n = split_words(text, w);
    find_email(text, out);
    for (unsigned i = 0; i < n; i++)
        if (strchr(w[i].s, '@'))
            w[i].used = 1;
    find_trackcode(w, n, out);
    find_order(w, n, out);
    find_postcode(w, n, out);
    find_carrier(w, n, out);
}

/* ---------------------------------------------------------------- JSON */

/* Values are plain ASCII by construction except the email (which may hold UTF-8 from the local
 * part's '%'/'+' set: still ASCII). Escape '"' and '\\' anyway for safety. */
static int put(char *out, size_t cap, size_t *pos, const char *key, const char *val, int *first)
{
    if (!val[0])
        return 1;
    char esc[300];
    size_t k = 0;
    for (const char *p = val; *p && k + 7 < sizeof esc; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') {
            esc[k++] = '\\';
            esc[k++] = (char)c;
        } else if (c < 0x20) {
            k += (size_t)snprintf(esc + k, sizeof esc - k, "\\u%04x", c);
        } else {
            esc[k++] = (char)c;
        }
    }
    esc[k] = '\0';
    int w = snprintf(out + *pos, cap - *pos, "%s\"%s\":\"%s\"", *first ? "" : ",", key, esc);
    if (w < 0 || (size_t)w >= cap - *pos)
        return 0;
    *pos += (size_t)w;
    *first = 0;
    return 1;
}

size_t rs_intent_entities_json(const struct rs_intent_entities *e, char *out, size_t cap)
{
    if (cap < 3) {
        if (cap)
            out[0] = '\0';
        return 0;
    }
    size_t pos = 1;
    int first = 1;
    out[0] = '{';
    out[1] = '\0';
    if (!put(out, cap, &pos, "order_number", e->order_number, &first) ||
        !put(out, cap, &pos, "tracking_code", e->tracking_code, &first) ||
        !put(out, cap, &pos, "tracking_code_typo", e->tracking_code_typo, &first) ||
        !put(out, cap, &pos, "tracking_number", e->tracking_number, &first) ||
        !put(out, cap, &pos, "email", e->email, &first) ||
        !put(out, cap, &pos, "postcode", e->postcode, &first) || pos + 2 > cap) {
        strcpy(out, "{}");
        return 0;
    }
    out[pos++] = '}';
    out[pos] = '\0';
    return pos;
}
