/* Decoders for the secrets carried by POP3 logins: SASL mechanisms
 * (RFC 4422 family, as used by RFC 5034 AUTH) and APOP (RFC 1939 §7).
 * Pure functions over bytes; no POP3 state, no allocation. */
#ifndef POP3SCOPE_SASL_H
#define POP3SCOPE_SASL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* A decoded value: points into the caller's output buffer. */
struct sasl_field {
    const uint8_t *data; /* NULL: not present */
    size_t len;
};

/* What one client SASL message (already base64-decoded) revealed. */
struct sasl_result {
    struct sasl_field user; /* authentication identity */
    struct sasl_field authzid; /* authorization identity, if any */
    struct sasl_field secret; /* password, token, or digest */
    enum event_exposure exposure; /* what this message put on the wire */
    bool malformed; /* the message did not follow the mechanism's syntax */
};

/* RFC 4648 base64, tolerant of missing padding; returns false on any
 * character outside the alphabet. out must hold (in_len / 4 + 1) * 3 bytes. */
bool sasl_base64_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_size, size_t *out_len);

/* Upper-cased mechanism name into `out` (printable ASCII only, other bytes
 * replaced by '?'), truncated to out_size - 1. */
void sasl_mechanism_name(const uint8_t *name, size_t len, char *out, size_t out_size);

/* Decode the client's `step`th (0-based) message for mechanism `mech`
 * (upper-cased) into `res`. `msg` is already base64-decoded and may hold
 * any byte. Fields point into msg. Unknown mechanisms yield exposure NONE
 * and no fields. */
void sasl_decode_client(const char *mech, unsigned step, const uint8_t *msg, size_t len, struct sasl_result *res);

/* The exposure class a mechanism has once its secret-bearing message has
 * crossed the wire (PLAIN -> cleartext, CRAM-MD5 -> hash, XOAUTH2 -> token). */
enum event_exposure sasl_mechanism_exposure(const char *mech);

#endif
