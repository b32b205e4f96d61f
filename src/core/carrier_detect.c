/* carrier_detect.c — tracking-number formats and check digits (see carrier_detect.h). */
#include "core/carrier_detect.h"

#include <ctype.h>
#include <string.h>

#define MAX_TN 40
#define MAX_GUESSES 16

static bool all_digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static bool all_alnum(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]))
            return false;
    return true;
}

int rs_s10_check_digit(const char serial8[8])
{
    static const int w[8] = {8, 6, 4, 2, 3, 5, 9, 7};
    int sum = 0;
    for (int i = 0; i < 8; i++)
        sum += (serial8[i] - '0') * w[i];
    int c = 11 - sum % 11;
    if (c == 10)
        return 0;
    if (c == 11)
        return 5;
    return c;
}

int rs_ups_check_digit(const char body15[15])
{
    int sum = 0;
    for (int i = 0; i < 15; i++) {
        char ch = body15[i];
        int v = isdigit((unsigned char)ch) ? ch - '0' : (toupper((unsigned char)ch) - 'A' + 2) % 10;
        sum += (i % 2) ? 2 * v : v;
    }
    return (10 - sum % 10) % 10;
}

int rs_mod10_31_check_digit(const char *digits, int n)
{
    int sum = 0;
    for (int i = n - 1, k = 0; i >= 0; i--, k++) /* rightmost weighs 3 */
        sum += (digits[i] - '0') * ((k % 2) ? 1 : 3);
    return (10 - sum % 10) % 10;
}

static int fedex12_check(const char *d)
{
    static const int w[3] = {1, 3, 7};
    int sum = 0;
    for (int i = 10, k = 0; i >= 0; i--, k++)
        sum += (d[i] - '0') * w[k % 3];
    return sum % 11 % 10;
}

struct acc {
    struct rs_carrier_guess g[MAX_GUESSES];
    int n;
};

static void add(struct acc *a, const char *carrier, int conf, bool ok)
{
    for (int i = 0; i < a->n; i++)
        if (!strcmp(a->g[i].carrier, carrier)) {
            if (conf > a->g[i].confidence) {
                a->g[i].confidence = conf;
                a->g[i].check_digit_ok = ok;
            }
            return;
        }
    if (a->n < MAX_GUESSES)
        a->g[a->n++] = (struct rs_carrier_guess){carrier, conf, ok};
}

/* The postal operator of an S10 number's country (the slugs of data/carrier-aliases.tsv). */
static const char *s10_country_carrier(const char *cc)
{
    static const struct {
        const char cc[3];
        const char *slug;
    } map[] = {{"US", "usps"},          {"ES", "correos"},       {"BR", "correios"},
               {"AR", "correo_argentino"}, {"MX", "correos_mexico"}, {"CL", "correos_chile"},
               {"CO", "472"},           {"PE", "serpost"},       {"PT", "ctt"},
               {"CN", "china_post"},    {"GB", "royal_mail"},    {"FR", "laposte"},
               {"IT", "poste_italiane"}, {"NL", "postnl"},       {"BE", "bpost"},
               {"CA", "canadapost"},    {"AU", "australiapost"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!memcmp(cc, map[i].cc, 2))
            return map[i].slug;
    return NULL;
}

int rs_carrier_detect(const char *tracking_number, struct rs_carrier_guess *out, int max)
{
    if (!tracking_number || !out || max <= 0)
        return 0;
    char s[MAX_TN + 1];
    int n = 0;
    for (const char *p = tracking_number; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == ' ' || c == '-' || c == '\t')
            continue;
        if (!isalnum(c) || n == MAX_TN)
            return 0;
        s[n++] = (char)toupper(c);
    }
    s[n] = '\0';
    if (n == 0)
        return 0;
    struct acc a = {.n = 0};

    /* UPU S10: two letters, 8 digits + check digit, ISO country */
    if (n == 13 && isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]) &&
        all_digits(s + 2, 9) && isalpha((unsigned char)s[11]) && isalpha((unsigned char)s[12])) {
        const char *slug = s10_country_carrier(s + 11);
        bool ok = rs_s10_check_digit(s + 2) == s[10] - '0';
        if (slug)
            add(&a, slug, ok ? 95 : 30, ok);
    }
    /* UPS 1Z: "1Z" + 6 shipper + 2 service + 7 package + check */
    if (n == 18 && s[0] == '1' && s[1] == 'Z' && all_alnum(s + 2, 16) && isdigit((unsigned char)s[17])) {
        bool ok = rs_ups_check_digit(s + 2) == s[17] - '0';
        add(&a, "ups", ok ? 98 : 40, ok);
    }
    /* UPS Mail Innovations / SurePost style "T" + 10 digits is rare: not guessed. */
    if (all_digits(s, n)) {
        /* USPS IMpb: 20-22 digits starting 9[1-5], or 420+ZIP5 (+ 22 digits) */
        const char *imb = s;
        int imn = n;
        if (n == 30 || n == 34) { /* 420 + ZIP5 (or ZIP9) prefix before the IMpb */
            if (!memcmp(s, "420", 3)) {
                imb = s + (n == 30 ? 8 : 12);
                imn = 22;
            }
        }
        if ((imn == 20 || imn == 22) && imb[0] == '9' && imb[1] >= '1' && imb[1] <= '5') {
            bool ok = rs_mod10_31_check_digit(imb, imn - 1) == imb[imn - 1] - '0';
            add(&a, "usps", ok ? 90 : 30, ok);
        }
        /* FedEx Express 12 digits */
        if (n == 12) {
            bool ok = fedex12_check(s) == s[11] - '0';
            add(&a, "fedex", ok ? 80 : 20, ok);
            add(&a, "mrw", 15, false);
        }
        /* FedEx Ground 15 digits, SSCC-like 20/22 digits starting 96 / 00 */
        if (n == 15 || ((n == 20 || n == 22) && s[0] == '9' && s[1] == '6')) {
            bool ok = rs_mod10_31_check_digit(s, n - 1) == s[n - 1] - '0';
            add(&a, "fedex", ok ? 75 : 20, ok);
        }
        /* DHL Express: 10 digits, check = first nine mod 7 */
        if (n == 10) {
            long long v = 0;
            for (int i = 0; i < 9; i++)
                v = v * 10 + (s[i] - '0');
            bool ok = v % 7 == s[9] - '0';
            add(&a, "dhl_express", ok ? 70 : 25, ok);
            add(&a, "dhl_mx", ok ? 45 : 15, ok);
            add(&a, "servientrega", ok ? 20 : 35, false);
            add(&a, "chilexpress", 15, false);
        }
        if (n == 9)
            add(&a, "servientrega", 30, false);
        if (n == 11) {
            add(&a, "coordinadora", 30, false);
            add(&a, "chilexpress", 25, false);
        }
        if (n == 12 || n == 13)
            add(&a, "chilexpress", 15, false);
        if (n == 14)
            add(&a, "seur", 35, false);
        if (n == 16)
            add(&a, "correos_express", 40, false);
        if (n == 22 && !(s[0] == '9' && s[1] >= '1' && s[1] <= '6'))
            add(&a, "estafeta", 45, false);
        if (n == 22 || n == 23)
            add(&a, "correos_express", 20, false);
        if (n == 19 || n == 20)
            add(&a, "mrw", 15, false);
    }
    /* Correos (ES) domestic: "P" + letter + 21 more characters (23 in all), e.g. PQ…, PK… */
    if (n == 23 && s[0] == 'P' && isalpha((unsigned char)s[1]) && all_alnum(s, n))
        add(&a, "correos", 75, false);
    /* Estafeta 22 alphanumeric guides with letters inside */
    if (n == 22 && !all_digits(s, n) && all_alnum(s, n) && isdigit((unsigned char)s[0]))
        add(&a, "estafeta", 35, false);
    /* DHL eCommerce / Parcel "JJD" or "JVGL" */
    if (n >= 18 && !memcmp(s, "JJD", 3))
        add(&a, "dhl_express", 40, false);

    /* best first (stable for equal confidences: insertion order) */
    for (int i = 1; i < a.n; i++) {
        struct rs_carrier_guess g = a.g[i];
        int j = i - 1;
        while (j >= 0 && a.g[j].confidence < g.confidence) {
            a.g[j + 1] = a.g[j];
            j--;
        }
        a.g[j + 1] = g;
    }
    int k = a.n < max ? a.n : max;
    memcpy(out, a.g, sizeof *out * (size_t)k);
    return k;
}
