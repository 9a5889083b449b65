/* Offline-guessing lines for hashcat and John the Ripper, made from what a
 * login exposed and the server's salt or challenge. Pure functions over
 * bytes, writing into the caller's buffer. */
#ifndef POP3SCOPE_SASL_CRACK_H
#define POP3SCOPE_SASL_CRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sasl.h"

/* Offline-guessing lines, NUL-terminated in out; each returns the length
 * (without the NUL), or 0 when an input is missing or unusable or the line
 * does not fit out_size (out is then "" if out_size > 0).
 *
 * APOP: hashcat mode 20, md5($salt.$pass), salt = timestamp with brackets
 * (RFC 1939 §7: digest = MD5(timestamp || secret)). With a user the line is
 * "user:digest:timestamp" for `hashcat -m 20 --username`; without one it is
 * "digest:timestamp". 0 if the user holds ':' or any field a control
 * character, or the timestamp is longer than hashcat's 256-byte salt. */
size_t sasl_format_crack_apop(const struct bytes *timestamp, const struct bytes *user, const struct bytes *digest,
                              char *out, size_t out_size);

/* CRAM-MD5 (RFC 2195): "$cram_md5$" base64(challenge) "$" base64(user SP
 * digest), hashcat mode 10200 and John the Ripper's HMAC-MD5 format alike.
 * challenge is the server's decoded challenge, brackets included; the
 * digest is written in lower case. hashcat itself refuses challenges over
 * 256 bytes and a "user SP digest" over 99 bytes; the line is still made. */
size_t sasl_format_crack_cram_md5(const struct bytes *challenge, const struct bytes *user, const struct bytes *digest,
                                  char *out, size_t out_size);

/* NTLM over SASL, from a decoded AUTHENTICATE result and the server's
 * challenge: a 24-byte NT response gives NetNTLMv1 (hashcat 5500)
 * "user::domain:lm:nt:challenge", a longer one NetNTLMv2 (hashcat 5600)
 * "user::domain:challenge:ntproofstr:blob" (all binary in lower-case hex).
 * 0 if user or domain holds ':' or a control character. */
size_t sasl_format_crack_netntlm(const uint8_t challenge[8], const struct sasl_result *res, char *out, size_t out_size);

/* One part of a login as its tracker kept it: field.data is NULL when the
 * part was not seen; cut means it was longer on the wire than what was
 * kept, so no line may be made from it. */
struct sasl_crack_part {
    struct bytes field;
    bool cut;
};

/* A login that had its verdict (or never will), with what the line for its
 * method needs. */
struct sasl_crack_attempt {
    const char *method; /* "APOP", "CRAM-MD5", "NTLM"; others have no line */
    struct sasl_crack_part user;
    struct sasl_crack_part secret; /* digest or NTLM NT response (hex) */
    struct sasl_crack_part apop_timestamp; /* from the greeting, brackets included */
    struct sasl_crack_part challenge; /* CRAM-MD5: the decoded server challenge */
    struct sasl_crack_part realm; /* NTLM domain */
    struct sasl_crack_part lm_response; /* NTLM, hex */
    const uint8_t *ntlm_challenge; /* 8 bytes; NULL until the type 2 message was seen */
};

/* The line for the attempt's method, as the functions above make it; 0
 * when the method has none, a part it needs is missing or cut, or the
 * line does not fit. */
size_t sasl_crack_line(const struct sasl_crack_attempt *a, char *out, size_t out_size);

#endif
