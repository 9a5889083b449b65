/* Community ID v1 (https://github.com/corelight/community-id-spec): the
 * flow hash Zeek, Suricata and Arkime print, so a pop3scope record joins
 * theirs for the same connection. Computed once per POP3 flow, when its
 * tracker is created, and carried in struct event_flow. */
#ifndef POP3SCOPE_COMMUNITY_ID_H
#define POP3SCOPE_COMMUNITY_ID_H

#include <stdint.h>

#include "event.h"

/* "1:" + base64 of a 20-byte SHA-1 (28 characters) + NUL. */
#define COMMUNITY_ID_SIZE EVENT_COMMUNITY_ID_SIZE

/* Writes the flow's Community ID (TCP, seed 0) into out, NUL-terminated.
 * On a failure of the hash library out is the empty string. */
void community_id_tcp(const struct event_flow *flow, char out[COMMUNITY_ID_SIZE]);

/* The general form, for tests against the spec's vectors: addresses are 4
 * or 16 bytes as ip_version says, in network order; ports in host order. */
void community_id_compute(uint16_t seed, uint8_t ip_version, const uint8_t *saddr, const uint8_t *daddr, uint8_t proto,
                          uint16_t sport, uint16_t dport, char out[COMMUNITY_ID_SIZE]);

#endif
