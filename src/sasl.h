/* Decoders for the secrets carried by POP3 logins: SASL mechanisms
 * (RFC 4422 family, as used by RFC 5034 AUTH) and APOP (RFC 1939 §7).
 * Pure functions over bytes; no POP3 state, no allocation. */
#ifndef POP3SCOPE_SASL_H
#define POP3SCOPE_SASL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Decoded values are struct bytes (bytes.h) pointing into the message or
 * the caller's scratch buffer; data NULL: not present. */

/* What one client SASL message (already base64-decoded) revealed. */
struct sasl_result {
    struct bytes user; /* authentication identity */
    struct bytes authzid; /* authorization identity, if any */
    struct bytes secret; /* password, token, or digest */
    enum event_exposure exposure; /* what this message put on the wire */
    bool malformed; /* the message did not follow the mechanism's syntax */
    struct bytes realm; /* DIGEST-MD5 realm, NTLM domain */
    struct bytes lm_response; /* NTLM LmChallengeResponse in lower-case
                                 hex (sasl_crack.h) */
    bool truncated; /* a field that had to be rewritten (unescaped,
                       UTF-16 -> UTF-8) did not fit the scratch buffer
                       and is absent: a bound was hit, count it */
    bool security_layer; /* the client chose a SASL security layer (DIGEST-MD5
                            qop=auth-int or auth-conf, RFC 2831 §2.1.2.1):
                            after a successful verdict every byte is wrapped
                            (RFC 4422 §3.7) */
    bool secret_possible; /* secret is the whole message (or answer) kept
                             because it may hold one, not a parsed field: a
                             caller keeps a parsed secret over it */
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

/* Scratch bytes that guarantee every rewritten field of a `len`-byte message
 * fits. NTLM is the worst case: its security buffers may all cover the same
 * bytes, user and domain in UTF-8 take up to 3/2 of their UTF-16 size each,
 * and the NT and LM responses are written as hex (2 each): 7 * len. */
#define SASL_SCRATCH_NEEDED(len) ((size_t)(len) * 7u)

/* sasl_decode_client with a scratch buffer for fields that are not a plain
 * slice of msg: DIGEST-MD5 quoted-strings with backslash escapes, SCRAM and
 * GS2 names with =2C / =3D, NTLM names in UTF-16LE. Fields point into msg or
 * into scratch; both must outlive the use of `res`. scratch may be NULL
 * (size 0): such fields are then absent and res->truncated is set. NTLM's
 * secret (the NT response) and lm_response are binary on the wire and are
 * given as lower-case hex written into scratch. This is the call the
 * tracker should make; sasl_decode_client is this with no scratch.
 *
 * Steps: `step` counts the client's messages of one AUTH exchange from 0.
 * One-message mechanisms (PLAIN, CRAM-MD5, DIGEST-MD5's digest-response,
 * XOAUTH2, OAUTHBEARER, ANONYMOUS) decode the first non-empty message they
 * get whatever its step; SCRAM tells client-first from client-final by
 * content; NTLM finds its AUTHENTICATE (type 3) message by signature; LOGIN
 * trusts the step (0 = user name, 1 = password). An empty message reveals
 * nothing and is never malformed, except LOGIN's step 1: an empty password
 * did cross in clear (secret present with length 0).
 *
 * Exposure: the mechanism's class (sasl_mechanism_exposure) when this is the
 * message that carries the secret, even if malformed (the raw capture still
 * holds it); EXPOSURE_NONE otherwise (LOGIN's user name, SCRAM's
 * client-first, NTLM negotiate or anonymous, an empty message). */
void sasl_decode_client_buf(const char *mech, unsigned step, const uint8_t *msg, size_t len, uint8_t *scratch,
                            size_t scratch_size, struct sasl_result *res);

/* What an AUTH LOGIN prompt (the server's decoded "+ " text) asks for.
 * draft-murchison-sasl-login §2 sends "Username:" then "Password:"; servers
 * vary the words ("User Name", "Password" without colon, "Enter password",
 * "Passwort"). Rule, ignoring case: a text that contains "pass" (password,
 * passwd, passwort, passphrase, mot de passe) or "secret" asks for the
 * secret; else one that contains "user", "login", "name" or "account" asks
 * for the name; anything else (an empty or undecodable prompt included) is
 * UNKNOWN. The secret wins when a text names both ("Login password:"). */
enum sasl_login_prompt { SASL_PROMPT_UNKNOWN, SASL_PROMPT_USER, SASL_PROMPT_PASSWORD };
enum sasl_login_prompt sasl_login_prompt_kind(const uint8_t *prompt, size_t len);

/* sasl_decode_client_buf for a message that answers `prompt` (the server's
 * last decoded challenge; NULL when none was seen for this message: an
 * initial response, or server bytes not captured). Only LOGIN reads the
 * prompt: a USER prompt's answer is the user name, a PASSWORD prompt's the
 * secret, whatever the order; with an UNKNOWN prompt the draft's order
 * decides (first answer the name, second the password) and any later
 * answer is taken as a possible secret, never as a name. */
void sasl_decode_response(const char *mech, unsigned step, const struct bytes *prompt, const uint8_t *msg, size_t len,
                          uint8_t *scratch, size_t scratch_size, struct sasl_result *res);

/* A client response that is not clean base64 (RFC 5034 §4), `raw` as it
 * crossed the wire. Which part a lenient server decoded is unknowable
 * (Dovecot 2.3 refuses the whole answer: "Invalid base64 data"), and the
 * text may be a password's base64 with junk after it, so the whole answer
 * is reported as a possible secret: secret = raw (never user), exposure the
 * mechanism's class when it has one, malformed. Empty raw: nothing. */
void sasl_undecodable_response(const char *mech, const uint8_t *raw, size_t len, struct sasl_result *res);

/* APOP arguments (RFC 1939 §7: name SP digest; the last space separates, so
 * a name may hold spaces). Fills user and secret (the 32-hex digest, as
 * sent), exposure HASH. False (and res->malformed) when there is no space,
 * the name is empty or the digest is not 32 hex digits; what could be
 * parsed is still filled in. */
bool sasl_apop_parse(const uint8_t *args, size_t len, struct sasl_result *res);

/* The APOP timestamp of a greeting (RFC 1939 §7: a msg-id "<...>"): the first
 * '<' ... '>' with neither bracket, a control character nor a space inside,
 * at most SASL_TIMESTAMP_MAX bytes long including the brackets. ts points
 * into banner, brackets included (they are part of what is hashed). */
#define SASL_TIMESTAMP_MAX 256
bool sasl_greeting_timestamp(const uint8_t *banner, size_t len, struct bytes *ts);

/* NTLM CHALLENGE (type 2) message from the server (already base64-decoded):
 * copies its 8-byte ServerChallenge (MS-NLMP 2.2.1.2). False if msg is not
 * a complete type 2 message. */
bool sasl_ntlm_server_challenge(const uint8_t *msg, size_t len, uint8_t challenge[8]);

/* Byte checks the offline-guessing lines (sasl_crack.c) share. */
bool sasl_is_hex(const uint8_t *p, size_t len);
/* RFC 1939 §7, RFC 2195 §2, RFC 2831 §2.1.2.1: 32 hex digits. */
bool sasl_field_is_md5_hex(const struct bytes *f);
/* A byte below 0x20, or DEL. */
bool sasl_has_control(const uint8_t *p, size_t len);

#endif
