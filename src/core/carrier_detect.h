/* carrier_detect.h — suggest which carrier issued a tracking number, from its format.
 *
 * Only a suggestion: a carrier the merchant states always wins (the caller's concern). Formats
 * with a check digit are ranked by it: UPU S10 ("AA123456789BR", mod 11 with weights
 * 8 6 4 2 3 5 9 7), UPS "1Z" (mod 10, letters as (c - 'A' + 2) mod 10, odd positions doubled),
 * USPS IMpb (mod 10, weights 3 1 from the right), FedEx Express 12 digits (weights 1 3 7 from
 * the right, mod 11 mod 10), FedEx Ground 15/20/22 digits (mod 10, weights 3 1), DHL Express
 * 10 digits (mod 7). A format that matches but fails its check is kept at a low confidence (a
 * typo is still most likely that carrier's). Formats without a check digit (SEUR, MRW,
 * Estafeta, Servientrega, …) are plain length/prefix shapes and get modest confidences.
 * Pure: no I/O. */
#ifndef RS_CARRIER_DETECT_H
#define RS_CARRIER_DETECT_H

#include <stdbool.h>

struct rs_carrier_guess {
    const char *carrier; /* lower-case slug ("ups", "correos", …); static storage */
    int confidence;      /* 1-100 */
    bool check_digit_ok; /* the format's check digit matched (false when it has none) */
};

/* Candidates for TRACKING_NUMBER (spaces and dashes ignored, any case), best first, at most
 * MAX written to OUT. Returns how many were written (0 when nothing fits or the input is NULL
 * or longer than 40 characters). */
int rs_carrier_detect(const char *tracking_number, struct rs_carrier_guess *out, int max);

/* The check digits, exposed for tests and callers that validate input. D points at digits. */
int rs_s10_check_digit(const char serial8[8]);      /* 0-9 */
int rs_ups_check_digit(const char body15[15]);      /* the 15 chars after "1Z", check excluded */
int rs_mod10_31_check_digit(const char *digits, int n); /* USPS / FedEx Ground style */

#endif
