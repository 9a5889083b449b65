/* POP3 conversations for the tracker tests: each is a list of steps (client
 * bytes, server bytes, or bytes lost to a gap) and the events it must give,
 * serialized one per line by test_pop3.c's sink. Step i is fed at packet
 * time 1000 + i seconds; the session starts at 1000 and ends at
 * 1000 + steps + 1. Every expectation below was checked by hand against the
 * RFCs cited in src/pop3.c. */
#ifndef POP3SCOPE_TEST_POP3_SESSIONS_H
#define POP3SCOPE_TEST_POP3_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

enum test_step_kind { STEP_CLIENT, STEP_SERVER, STEP_GAP_CLIENT, STEP_GAP_SERVER };

struct test_step {
    enum test_step_kind kind;
    const char *text;
    size_t len;
    uint64_t missing;
};

/* sizeof keeps embedded NULs in the length. */
#define CL(text) { STEP_CLIENT, (text), sizeof(text) - 1, 0 }
#define SV(text) { STEP_SERVER, (text), sizeof(text) - 1, 0 }
#define GAP_CL(n) { STEP_GAP_CLIENT, NULL, 0, (n) }
#define GAP_SV(n) { STEP_GAP_SERVER, NULL, 0, (n) }

struct test_script {
    const char *name;
    const struct test_step *steps;
    size_t count;
    size_t max_line; /* 0: POP3_DEFAULT_MAX_LINE */
    size_t max_pending; /* 0: POP3_DEFAULT_MAX_PENDING */
    enum event_end end;
    bool implicit_tls;
    const char *expected;
};

#define STEPS(array) (array), (sizeof(array) / sizeof((array)[0]))

/* RFC 1939 §10 style login with every TRANSACTION counter touched. The RETR
 * body is "Subject: hi\r\n" "\r\n" ".dot line\r\n" "end\r\n" once un-stuffed:
 * 13 + 2 + 11 + 5 = 31 octets. */
static const struct test_step steps_userpass_full[] = {
    SV("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"),
    CL("USER alice\r\n"),
    SV("+OK alice is welcome here\r\n"),
    CL("PASS secret\r\n"),
    SV("+OK maildrop has 2 messages (320 octets)\r\n"),
    CL("STAT\r\n"),
    SV("+OK 2 320\r\n"),
    CL("LIST\r\n"),
    SV("+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n"),
    CL("RETR 1\r\n"),
    SV("+OK 120 octets\r\nSubject: hi\r\n\r\n..dot line\r\nend\r\n.\r\n"),
    CL("DELE 1\r\n"),
    SV("+OK message 1 deleted\r\n"),
    CL("QUIT\r\n"),
    SV("+OK dewey POP3 server signing off (1 message left)\r\n"),
};

static const struct test_step steps_wrong_then_right[] = {
    SV("+OK ready\r\n"),
    CL("USER bob\r\n"),
    SV("+OK\r\n"),
    CL("PASS wrong\r\n"),
    SV("-ERR [AUTH] invalid password\r\n"),
    CL("USER bob\r\n"),
    SV("+OK\r\n"),
    CL("PASS hunter2\r\n"),
    SV("+OK 3 messages (19191 octets)\r\n"),
    CL("QUIT\r\n"),
    SV("+OK bye\r\n"),
};

/* RFC 1939 §7: the PASS argument is the rest of the line, spaces included. */
static const struct test_step steps_pass_spaces[] = {
    SV("+OK ready\r\n"),
    CL("USER carol\r\n"),
    SV("+OK\r\n"),
    CL("PASS correct horse battery \r\n"),
    SV("+OK Mailbox open, 3 messages\r\n"),
};

/* RFC 1939 §7 example, with qpopper's login reply. */
static const struct test_step steps_apop[] = {
    SV("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"),
    CL("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"),
    SV("+OK mrose has 3 visible messages (0 hidden) in 4179 octets.\r\n"),
    CL("QUIT\r\n"),
    SV("+OK\r\n"),
};

/* RFC 5034 §4 initial response, with an authorization identity. */
static const struct test_step steps_auth_plain_inline[] = {
    SV("+OK ready\r\n"),
    CL("AUTH PLAIN YWRtaW4AYWxpY2UAc2VjcmV0\r\n"),
    SV("+OK Logged in.\r\n"),
};

static const struct test_step steps_auth_plain_empty_challenge[] = {
    SV("+OK ready\r\n"),
    CL("AUTH PLAIN\r\n"),
    SV("+ \r\n"),
    CL("AGFsaWNlAHNlY3JldA==\r\n"),
    SV("+OK Logged in.\r\n"),
};

/* A bare "+" challenge; the verdict is a failure, but the password crossed. */
static const struct test_step steps_auth_plain_bare_plus[] = {
    SV("+OK ready\r\n"),
    CL("AUTH PLAIN\r\n"),
    SV("+\r\n"),
    CL("AGRhdmUAd3Jvbmc=\r\n"),
    SV("-ERR [AUTH] Authentication failed.\r\n"),
};

/* RFC 5034 §4: "=" is a zero-length initial response; nothing leaked. */
static const struct test_step steps_auth_plain_equals[] = {
    SV("+OK ready\r\n"),
    CL("AUTH PLAIN =\r\n"),
    SV("-ERR malformed\r\n"),
};

static const struct test_step steps_auth_login_initial[] = {
    SV("+OK ready\r\n"),
    CL("AUTH LOGIN dXNlcg==\r\n"),
    SV("+ UGFzc3dvcmQ6\r\n"),
    CL("cGFzcw==\r\n"),
    SV("+OK welcome\r\n"),
};

/* Prompts are whatever the server likes, base64 or not. */
static const struct test_step steps_auth_login_prompts[] = {
    SV("+OK ready\r\n"),
    CL("AUTH LOGIN\r\n"),
    SV("+ VXNlcm5hbWU6\r\n"),
    CL("Y2Fyb2w=\r\n"),
    SV("+ your secret, please?\r\n"),
    CL("cHcgMQ==\r\n"),
    SV("+OK\r\n"),
};

/* RFC 2195 §2 example. */
static const struct test_step steps_auth_cram_md5[] = {
    SV("+OK ready\r\n"),
    CL("AUTH CRAM-MD5\r\n"),
    SV("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
    CL("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"),
    SV("+OK CRAM authentication successful\r\n"),
};

/* Cancelled before the password step: the user name crossed, no secret. */
static const struct test_step steps_auth_login_cancel[] = {
    SV("+OK ready\r\n"),
    CL("AUTH LOGIN\r\n"),
    SV("+ VXNlcm5hbWU6\r\n"),
    CL("dXNlcg==\r\n"),
    SV("+ UGFzc3dvcmQ6\r\n"),
    CL("*\r\n"),
    SV("-ERR authentication aborted\r\n"),
};

static const struct test_step steps_auth_plain_cancel[] = {
    SV("+OK ready\r\n"),
    CL("AUTH PLAIN\r\n"),
    SV("+ \r\n"),
    CL("*\r\n"),
    SV("-ERR canceled\r\n"),
};

/* Google's XOAUTH2 failure: a base64 JSON error as a challenge, an empty
 * client reply, then -ERR. The token still crossed the wire. */
static const struct test_step steps_xoauth2_error[] = {
    SV("+OK Gpop ready\r\n"),
    CL("AUTH XOAUTH2 dXNlcj1qb2VAZXhhbXBsZS5jb20BYXV0aD1CZWFyZXIgeWEyOS50b2tlbgEB\r\n"),
    SV("+ eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0=\r\n"),
    CL("\r\n"),
    SV("-ERR [AUTH] Invalid credentials\r\n"),
};

/* RFC 2449 §8 and RFC 3206 response codes. */
static const struct test_step steps_resp_codes[] = {
    SV("+OK [CAPA-HINT] ready\r\n"),
    CL("USER dan\r\n"),
    SV("+OK\r\n"),
    CL("PASS right\r\n"),
    SV("-ERR [IN-USE] Do you have another POP session running?\r\n"),
    CL("PASS right\r\n"),
    SV("-ERR [SYS/TEMP] Try again later\r\n"),
    CL("PASS right\r\n"),
    SV("-ERR [not a code\r\n"),
};

static const struct test_step steps_rset_unmarks[] = {
    SV("+OK ready\r\n"),
    CL("USER erin\r\nPASS pw\r\n"),
    SV("+OK\r\n+OK\r\n"),
    CL("DELE 1\r\n"),
    SV("+OK\r\n"),
    CL("DELE 2\r\n"),
    SV("+OK\r\n"),
    CL("RSET\r\n"),
    SV("+OK maildrop has 2 messages (320 octets)\r\n"),
    CL("DELE 2\r\n"),
    SV("+OK\r\n"),
    CL("DELE 9\r\n"),
    SV("-ERR no such message\r\n"),
    CL("QUIT\r\n"),
    SV("+OK bye\r\n"),
};

/* RFC 1939 §6: -ERR to QUIT in UPDATE: deletions not committed. */
static const struct test_step steps_quit_err[] = {
    SV("+OK ready\r\n"),
    CL("USER fay\r\nPASS pw\r\n"),
    SV("+OK\r\n+OK\r\n"),
    CL("DELE 1\r\n"),
    SV("+OK\r\n"),
    CL("QUIT\r\n"),
    SV("-ERR some deleted messages not removed\r\n"),
};

/* RFC 2449 §6.6 PIPELINING: four commands in one segment, four replies in
 * one segment, the first with a CAPA body. */
static const struct test_step steps_pipelined[] = {
    SV("+OK ready\r\n"),
    CL("CAPA\r\nUSER gus\r\nPASS pw\r\nSTAT\r\n"),
    SV("+OK Capability list follows\r\nSTLS\r\nSASL PLAIN LOGIN\r\nPIPELINING\r\n.\r\n"
       "+OK\r\n+OK logged in\r\n+OK 2 320\r\n"),
    CL("QUIT\r\n"),
    SV("+OK\r\n"),
};

/* Zeek's pop3-unknown-commands: garbage lines (some ended by a bare CR)
 * before the real STAT reply must not pop STAT. */
static const struct test_step steps_junk_before_status[] = {
    SV("+OK example.com POP3-Server\n"),
    CL("USER zeek@zeek.org\n"),
    SV("+OK Please enter your password\n"),
    CL("PASS zeek\n"),
    SV("+OK mailbox locked and ready\n"),
    CL("STAT\n"),
    SV("+\r\r..\r\r..x\r\r\n"),
    SV(".\r\r\t\t'\n"),
    SV("x\n"),
    SV("+OK 1 236\n"),
    CL("QUIT\n"),
    SV("+OK Bye\n"),
};

/* A CR alone ends a line: "NOOP\rSTAT" is two commands, not one. */
static const struct test_step steps_bare_cr[] = {
    SV("+OK ready\r"),
    CL("USER hal\rPASS pw\r"),
    SV("+OK\r+OK\r"),
    CL("NOOP\rSTAT\r\n"),
    SV("+OK\r+OK 4 400\r\n"),
};

static const struct test_step steps_unknown_commands[] = {
    SV("+OK ready\r\n"),
    CL("USER ivy\r\nPASS pw\r\n"),
    SV("+OK\r\n+OK\r\n"),
    CL("XYZZY\r\n"),
    SV("-ERR unknown command\r\n"),
    CL("LAST\r\n"),
    SV("+OK 1\r\n"),
    CL("RPOP ivy\r\n"),
    SV("-ERR not supported\r\n"),
    CL("XTND XLIST Subject\r\n"),
    SV("-ERR not supported\r\n"),
    CL("XSENDER 1\r\n"),
    SV("+OK ivy@example.org\r\n"),
    CL("\r\n"),
    SV("-ERR empty command\r\n"),
    CL("STAT\r\n"),
    SV("+OK 5 100\r\n"),
};

/* RFC 2595 §4: after +OK to STLS nothing is parsed; the garbage holds text
 * that would count as a login if it were. */
static const struct test_step steps_stls_ok[] = {
    SV("+OK ready\r\n"),
    CL("CAPA\r\n"),
    SV("+OK\r\nSTLS\r\nUSER\r\n.\r\n"),
    CL("STLS\r\n"),
    SV("+OK Begin TLS negotiation\r\n\x16\x03\x03\x00\x02+OK\r\n"),
    CL("\x16\x03\x01\x00\x10USER x\r\nPASS y\r\n"),
    SV("\x17\x03\x03-ERR\r\n"),
};

static const struct test_step steps_stls_err[] = {
    SV("+OK ready\r\n"),
    CL("STLS\r\n"),
    SV("-ERR TLS not available\r\n"),
    CL("USER jo\r\nPASS pw\r\n"),
    SV("+OK\r\n+OK\r\n"),
};

static const struct test_step steps_lowercase[] = {
    SV("+ok ready\r\n"),
    CL("user kim\r\n"),
    SV("+ok\r\n"),
    CL("pass pw\r\n"),
    SV("+Ok welcome\r\n"),
    CL("stat\r\n"),
    SV("+oK 7 700\r\n"),
    CL("retr 1\r\n"),
    SV("+ok\r\nbody\r\n.\r\n"),
    CL("quit\r\n"),
    SV("-err oops\r\n"),
};

/* max_line 64: the USER line keeps its first 64 bytes, is flagged, and the
 * tracker stays in step for the following commands. */
static const struct test_step steps_overlong[] = {
    SV("+OK ready\r\n"),
    CL("USER aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"),
    SV("+OK this reply is also longer than sixty-four bytes, so it is cut short too\r\n"),
    CL("PASS pw\r\n"),
    SV("+OK\r\n"),
    CL("STAT\r\n"),
    SV("+OK 2 20\r\n"),
};

/* RFC 2449 §4: a command over 255 octets (here 256 with CRLF) is flagged,
 * parsing goes on, the whole line is kept (it is within max_line). */
static const struct test_step steps_long_command[] = {
    SV("+OK ready\r\n"),
    CL("USER "
       "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
       "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
       "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n"),
    SV("-ERR no\r\n"),
};

/* ... and 255 octets exactly is not. */
static const struct test_step steps_command_at_limit[] = {
    SV("+OK ready\r\n"),
    CL("USER "
       "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
       "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
       "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n"),
    SV("-ERR no\r\n"),
};

/* RFC 2449 §4: a status line over 512 octets (513 with CRLF) is flagged;
 * the reply still pairs with its command. */
static const struct test_step steps_long_response[] = {
    SV("+OK ready\r\n"),
    CL("USER x\r\n"),
    SV("-ERR "
       "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
       "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
       "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
       "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
       "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
       "cccccc\r\n"),
    CL("NOOP\r\n"),
    SV("+OK\r\n"),
};

/* Suricata pop3-03-bug-7709: "+OK 4 14971" to a bare LIST, no rows, no
 * terminator, then RST. */
static const struct test_step steps_list_no_terminator[] = {
    SV("+OK ready\r\n"),
    CL("USER lee\r\nPASS pw\r\n"),
    SV("+OK\r\n+OK\r\n"),
    CL("LIST\r\n"),
    SV("+OK 4 14971\r\n"),
};

/* Zeek bad-list-retr-crafted: a LIST listing without its "." terminator,
 * then the RETR reply. A listing never holds a status line, so "+OK" ends
 * it; the RETR body (12 + 2 octets) and the QUIT stay paired. */
static const struct test_step steps_listing_cut_short[] = {
    SV("+OK ready\r\n"),
    CL("LIST\r\n"),
    SV("+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n"),
    CL("RETR 1\r\n"),
    SV("+OK message follows\r\nSubject: x\r\n\r\n.\r\n"),
    CL("QUIT\r\n"),
    SV("+OK bye\r\n"),
};

/* A gap inside a RETR body costs body bytes only: "line1\r\n" (7) + "li"
 * (2, before the gap) + "line4\r\n" (7) = 16; "ne3\r\n" is dropped up to its
 * LF, and the next reply still pairs with DELE. */
static const struct test_step steps_gap_in_retr[] = {
    SV("+OK ready\r\n"),
    CL("USER max\r\nPASS pw\r\n"),
    SV("+OK\r\n+OK\r\n"),
    CL("RETR 1\r\n"),
    SV("+OK\r\nline1\r\nli"),
    GAP_SV(100),
    SV("ne3\r\nline4\r\n.\r\n"),
    CL("DELE 1\r\n"),
    SV("+OK\r\n"),
    CL("QUIT\r\n"),
    SV("+OK\r\n"),
};

/* The gap ends right where the terminator starts: the body still ends
 * there, and DELE's reply pairs with DELE. Only "line1\r\n" (7) counts. */
static const struct test_step steps_gap_before_terminator[] = {
    SV("+OK ready\r\n"),
    CL("USER mia\r\nPASS pw\r\n"),
    SV("+OK\r\n+OK\r\n"),
    CL("RETR 1\r\n"),
    SV("+OK\r\nline1\r\n"),
    GAP_SV(50),
    SV(".\r\n"),
    CL("DELE 1\r\n"),
    SV("+OK\r\n"),
};

/* A gap cuts STAT's reply: STAT's reply is lost, the tail "K 2 320" is
 * skipped without a junk anomaly, and LIST 1's reply pairs with LIST. */
static const struct test_step steps_gap_server_tail[] = {
    SV("+OK ready\r\n"),
    CL("USER nia\r\nPASS pw\r\n"),
    SV("+OK\r\n+OK\r\n"),
    CL("STAT\r\n"),
    SV("+O"),
    GAP_SV(1),
    SV("K 2 320\r\n"),
    CL("LIST 1\r\n"),
    SV("+OK 1 120\r\n"),
    CL("RETR 1\r\n"),
    SV("+OK\r\nabc\r\n.\r\n"),
};

/* The verdict to PASS falls in a gap: the attempt is reported unknown at
 * the gap, and STAT's reply still pairs with STAT. */
static const struct test_step steps_gap_pass_verdict[] = {
    SV("+OK ready\r\n"),
    CL("USER ned\r\n"),
    SV("+OK\r\n"),
    CL("PASS pw\r\n"),
    GAP_SV(20),
    CL("STAT\r\n"),
    SV("+OK 2 320\r\n"),
};

/* A client gap: the rest of the broken line and a non-command are skipped,
 * then parsing resumes at the next known command. */
static const struct test_step steps_gap_client[] = {
    SV("+OK ready\r\n"),
    CL("USER ola\r\nPASS pw\r\n"),
    SV("+OK\r\n+OK\r\n"),
    CL("NO"),
    GAP_CL(30),
    CL("OP\r\nrandom junk\r\nSTAT\r\n"),
    SV("+OK 1 10\r\n"),
};

/* A step that is not base64 is flagged and counted as a step, so the
 * password step is still recognised. */
static const struct test_step steps_auth_bad_base64[] = {
    SV("+OK ready\r\n"),
    CL("AUTH LOGIN\r\n"),
    SV("+ VXNlcm5hbWU6\r\n"),
    CL("not base64!\r\n"),
    SV("+ UGFzc3dvcmQ6\r\n"),
    CL("cGFzcw==\r\n"),
    SV("-ERR [AUTH] failed\r\n"),
};

/* Five pipelined PASS commands, more than the attempt slots: the oldest
 * is reported unknown when the fifth is sent; its -ERR then reports
 * nothing; no attempt is reported twice. */
static const struct test_step steps_attempt_slots[] = {
    SV("+OK ready\r\n"),
    CL("USER vic\r\nPASS a\r\nPASS b\r\nPASS c\r\nPASS d\r\nPASS e\r\n"),
    SV("+OK\r\n-ERR 1\r\n-ERR 2\r\n-ERR 3\r\n-ERR 4\r\n+OK 5\r\n"),
};

static const struct test_step steps_end_pending_attempt[] = {
    SV("+OK ready\r\n"),
    CL("USER pat\r\nPASS pw\r\n"),
    SV("+OK\r\n"),
};

/* max_pending 2: five pipelined commands; the last three are only
 * counted, the PASS among them is reported unknown at once, and pairing is
 * back in step for STAT. */
static const struct test_step steps_pipeline_overflow[] = {
    SV("+OK ready\r\n"),
    CL("NOOP\r\nNOOP\r\nNOOP\r\nUSER quinn\r\nPASS pw\r\n"),
    SV("+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n"),
    CL("STAT\r\n"),
    SV("+OK 3 30\r\n"),
};

static const struct test_step steps_implicit_tls[] = {
    SV("\x16\x03\x03\x00\x05+OK\r\n"),
    CL("\x16\x03\x01USER a\r\nPASS b\r\n"),
};

static const struct test_step steps_greeting_refused[] = {
    SV("-ERR [SYS/TEMP] too many connections\r\n"),
};

/* Capture started after the greeting; a +OK to RETR proves TRANSACTION,
 * so QUIT commits the deletion. */
static const struct test_step steps_no_greeting[] = {
    CL("RETR 2\r\n"),
    SV("+OK\r\nhello\r\n.\r\n"),
    CL("DELE 2\r\n"),
    SV("+OK\r\n"),
    CL("QUIT\r\n"),
    SV("+OK\r\n"),
};

static const struct test_step steps_client_after_quit[] = {
    SV("+OK ready\r\n"),
    CL("QUIT\r\n"),
    SV("+OK\r\n"),
    CL("NOOP\r\n"),
};

static const struct test_step steps_nul_in_line[] = {
    SV("+OK ready\r\n"),
    CL("USER r\0ot\r\n"),
    SV("-ERR no such user\r\n"),
};

/* A bare AUTH is a mechanism listing with a body on some servers, -ERR on
 * others; neither is an attempt. */
static const struct test_step steps_bare_auth[] = {
    SV("+OK ready\r\n"),
    CL("AUTH\r\n"),
    SV("+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n"),
    CL("AUTH\r\n"),
    SV("-ERR\r\n"),
    CL("AUTH PLAIN AGJvYgBodW50ZXIy\r\n"),
    SV("+OK\r\n"),
};

/* TOP and LIST/UIDL with an argument: TOP has a body, the others not. */
static const struct test_step steps_top_and_args[] = {
    SV("+OK ready\r\n"),
    CL("USER sue\r\nPASS pw\r\n"),
    SV("+OK\r\n+OK\r\n"),
    CL("LIST 1\r\n"),
    SV("+OK 1 120\r\n"),
    CL("UIDL 1\r\n"),
    SV("+OK 1 whqtswO00WBw418f9t5JxYwZ\r\n"),
    CL("TOP 1 0\r\n"),
    SV("+OK\r\nSubject: x\r\n..\r\n\r\n.\r\n"),
    CL("UIDL\r\n"),
    SV("+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n.\r\n"),
    CL("STAT\r\n"),
    SV("+OK 1 120\r\n"),
};

static const struct test_step steps_user_refused[] = {
    SV("+OK ready\r\n"),
    CL("USER nobody\r\n"),
    SV("-ERR [AUTH] no such user\r\n"),
    CL("USER tom\r\nUSER uma\r\n"),
    SV("-ERR no\r\n-ERR no\r\n"),
};

/* Server status lines with nothing pending. */
static const struct test_step steps_unexpected[] = {
    SV("+OK ready\r\n"),
    SV("+OK surprise\r\n"),
    CL("NOOP\r\n"),
    SV("+OK\r\n"),
};

static const struct test_script test_scripts[] = {
    { "userpass_full", STEPS(steps_userpass_full), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"alice\" authzid=- outcome=success "
      "exposure=cleartext password=\"secret\" response=\"maildrop has 2 messages (320 octets)\" "
      "code=-\n"
      "session start=1000.000000 end=1016.000000 flow=7 banner=\"POP3 server ready "
      "<1896.697170952@dbc.mtview.ca.us>\" apop=\"<1896.697170952@dbc.mtview.ca.us>\" user=\"alice\" "
      "method=USER attempts=1 failures=0 tls=none maildrop=2/320 retr=1/31 top=0 dele=1 committed=yes "
      "deleted=1 commands=7 bytes=59/309 end=quit gap=0 anomalies=[]\n" },
    { "wrong_then_right", STEPS(steps_wrong_then_right), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"bob\" authzid=- outcome=failure "
      "exposure=cleartext password=\"wrong\" response=\"invalid password\" code=AUTH\n"
      "auth t=1009.000000 flow=7 #2 method=USER user=\"bob\" authzid=- outcome=success "
      "exposure=cleartext password=\"hunter2\" response=\"3 messages (19191 octets)\" code=-\n"
      "session start=1000.000000 end=1012.000000 flow=7 banner=\"ready\" apop=- user=\"bob\" "
      "method=USER attempts=2 failures=1 tls=none maildrop=3/19191 retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=5 bytes=52/91 end=quit gap=0 anomalies=[]\n" },
    { "pass_spaces", STEPS(steps_pass_spaces), 0, 0, END_END_OF_INPUT, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"carol\" authzid=- outcome=success "
      "exposure=cleartext password=\"correct horse battery \" response=\"Mailbox open, 3 messages\" "
      "code=-\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"carol\" "
      "method=USER attempts=1 failures=0 tls=none maildrop=3/- retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=2 bytes=41/46 end=end_of_input gap=0 anomalies=[]\n" },
    { "apop", STEPS(steps_apop), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=APOP user=\"mrose\" authzid=- outcome=success exposure=hash "
      "password=\"c4c9334bac560ecc979e58001b3e22fb\" response=\"mrose has 3 visible messages (0 "
      "hidden) in 4179 octets.\" code=-\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"POP3 server ready "
      "<1896.697170952@dbc.mtview.ca.us>\" apop=\"<1896.697170952@dbc.mtview.ca.us>\" user=\"mrose\" "
      "method=APOP attempts=1 failures=0 tls=none maildrop=3/4179 retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=2 bytes=51/123 end=quit gap=0 anomalies=[]\n" },
    { "auth_plain_inline", STEPS(steps_auth_plain_inline), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=PLAIN user=\"alice\" authzid=\"admin\" outcome=success "
      "exposure=cleartext password=\"secret\" response=\"Logged in.\" code=-\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=\"alice\" "
      "method=PLAIN attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=1 bytes=37/27 end=fin gap=0 anomalies=[]\n" },
    { "auth_plain_empty_challenge", STEPS(steps_auth_plain_empty_challenge), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=PLAIN user=\"alice\" authzid=- outcome=success "
      "exposure=cleartext password=\"secret\" response=\"Logged in.\" code=-\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"alice\" "
      "method=PLAIN attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=1 bytes=34/31 end=fin gap=0 anomalies=[]\n" },
    { "auth_plain_bare_plus", STEPS(steps_auth_plain_bare_plus), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=PLAIN user=\"dave\" authzid=- outcome=failure "
      "exposure=cleartext password=\"wrong\" response=\"Authentication failed.\" code=AUTH\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=1 failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=1 bytes=30/50 end=fin gap=0 anomalies=[]\n" },
    { "auth_plain_equals", STEPS(steps_auth_plain_equals), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=PLAIN user=- authzid=- outcome=failure exposure=none "
      "password=- response=\"malformed\" code=-\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=1 failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=1 bytes=14/27 end=fin gap=0 anomalies=[]\n" },
    { "auth_login_initial", STEPS(steps_auth_login_initial), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=LOGIN user=\"user\" authzid=- outcome=success "
      "exposure=cleartext password=\"pass\" response=\"welcome\" code=-\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"user\" "
      "method=LOGIN attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=1 bytes=31/40 end=fin gap=0 anomalies=[]\n" },
    { "auth_login_prompts", STEPS(steps_auth_login_prompts), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=LOGIN user=\"carol\" authzid=- outcome=success "
      "exposure=cleartext password=\"pw 1\" response=\"\" code=-\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=\"carol\" "
      "method=LOGIN attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=1 bytes=32/56 end=fin gap=0 anomalies=[]\n" },
    { "auth_cram_md5", STEPS(steps_auth_cram_md5), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=CRAM-MD5 user=\"tim\" authzid=- outcome=success "
      "exposure=hash password=\"b913a602c7eda7a495b4e6e7334d3890\" response=\"CRAM authentication "
      "successful\" code=-\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"tim\" "
      "method=CRAM-MD5 attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=1 bytes=65/107 end=fin gap=0 anomalies=[]\n" },
    { "auth_login_cancel", STEPS(steps_auth_login_cancel), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=LOGIN user=\"user\" authzid=- outcome=aborted exposure=none "
      "password=- response=\"authentication aborted\" code=-\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=1 bytes=25/72 end=fin gap=0 anomalies=[]\n" },
    { "auth_plain_cancel", STEPS(steps_auth_plain_cancel), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=PLAIN user=- authzid=- outcome=aborted exposure=none "
      "password=- response=\"canceled\" code=-\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=1 bytes=15/30 end=fin gap=0 anomalies=[]\n" },
    { "xoauth2_error", STEPS(steps_xoauth2_error), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=XOAUTH2 user=\"joe@example.com\" authzid=- outcome=failure "
      "exposure=token password=\"ya29.token\" response=\"Invalid credentials\" code=AUTH\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"Gpop ready\" apop=- user=- method=- "
      "attempts=1 failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=1 bytes=77/101 end=fin gap=0 anomalies=[]\n" },
    { "resp_codes", STEPS(steps_resp_codes), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"dan\" authzid=- outcome=failure "
      "exposure=cleartext password=\"right\" response=\"Do you have another POP session running?\" "
      "code=IN-USE\n"
      "auth t=1007.000000 flow=7 #2 method=USER user=\"dan\" authzid=- outcome=failure "
      "exposure=cleartext password=\"right\" response=\"Try again later\" code=SYS/TEMP\n"
      "auth t=1009.000000 flow=7 #3 method=USER user=\"dan\" authzid=- outcome=failure "
      "exposure=cleartext password=\"right\" response=\"[not a code\" code=-\n"
      "session start=1000.000000 end=1010.000000 flow=7 banner=\"[CAPA-HINT] ready\" apop=- user=- "
      "method=- attempts=3 failures=3 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=4 bytes=46/135 end=fin gap=0 anomalies=[]\n" },
    { "rset_unmarks", STEPS(steps_rset_unmarks), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"erin\" authzid=- outcome=success "
      "exposure=cleartext password=\"pw\" response=\"\" code=-\n"
      "session start=1000.000000 end=1016.000000 flow=7 banner=\"ready\" apop=- user=\"erin\" "
      "method=USER attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=3 committed=yes "
      "deleted=1 commands=8 bytes=64/109 end=quit gap=0 anomalies=[]\n" },
    { "quit_err", STEPS(steps_quit_err), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"fay\" authzid=- outcome=success "
      "exposure=cleartext password=\"pw\" response=\"\" code=-\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=\"fay\" "
      "method=USER attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=1 committed=no "
      "deleted=0 commands=4 bytes=33/66 end=fin gap=0 anomalies=[]\n" },
    { "pipelined", STEPS(steps_pipelined), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"gus\" authzid=- outcome=success "
      "exposure=cleartext password=\"pw\" response=\"logged in\" code=-\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"gus\" "
      "method=USER attempts=1 failures=0 tls=none maildrop=2/320 retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=5 bytes=37/115 end=quit gap=0 anomalies=[]\n" },
    { "junk_before_status", STEPS(steps_junk_before_status), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"zeek@zeek.org\" authzid=- outcome=success "
      "exposure=cleartext password=\"zeek\" response=\"mailbox locked and ready\" code=-\n"
      "session start=1000.000000 end=1013.000000 flow=7 banner=\"example.com POP3-Server\" apop=- "
      "user=\"zeek@zeek.org\" method=USER attempts=1 failures=0 tls=none maildrop=1/236 retr=0/0 top=0 "
      "dele=0 committed=no deleted=0 commands=4 bytes=39/128 end=quit gap=0 "
      "anomalies=[junk_server_line,bare_cr]\n" },
    { "bare_cr", STEPS(steps_bare_cr), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"hal\" authzid=- outcome=success "
      "exposure=cleartext password=\"pw\" response=\"\" code=-\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"hal\" "
      "method=USER attempts=1 failures=0 tls=none maildrop=4/400 retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=4 bytes=28/33 end=fin gap=0 anomalies=[bare_cr]\n" },
    { "unknown_commands", STEPS(steps_unknown_commands), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"ivy\" authzid=- outcome=success "
      "exposure=cleartext password=\"pw\" response=\"\" code=-\n"
      "session start=1000.000000 end=1018.000000 flow=7 banner=\"ready\" apop=- user=\"ivy\" "
      "method=USER attempts=1 failures=0 tls=none maildrop=5/100 retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=9 bytes=81/142 end=fin gap=0 anomalies=[unknown_command]\n" },
    { "stls_ok", STEPS(steps_stls_ok), 0, 0, END_FIN, false,
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=0 failures=0 tls=stls maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=2 bytes=33/77 end=fin gap=0 anomalies=[]\n" },
    { "stls_err", STEPS(steps_stls_err), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"jo\" authzid=- outcome=success "
      "exposure=cleartext password=\"pw\" response=\"\" code=-\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"jo\" "
      "method=USER attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=3 bytes=24/45 end=fin gap=0 anomalies=[]\n" },
    { "lowercase", STEPS(steps_lowercase), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"kim\" authzid=- outcome=success "
      "exposure=cleartext password=\"pw\" response=\"welcome\" code=-\n"
      "session start=1000.000000 end=1012.000000 flow=7 banner=\"ready\" apop=- user=\"kim\" "
      "method=USER attempts=1 failures=0 tls=none maildrop=7/700 retr=1/6 top=0 dele=0 committed=no "
      "deleted=0 commands=5 bytes=39/65 end=fin gap=0 anomalies=[]\n" },
    { "overlong", STEPS(steps_overlong), 64, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=USER "
      "user=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" authzid=- outcome=success "
      "exposure=cleartext password=\"pw\" response=\"\" code=-\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- "
      "user=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" method=USER attempts=1 "
      "failures=0 tls=none maildrop=2/20 retr=0/0 top=0 dele=0 committed=no deleted=0 commands=3 "
      "bytes=118/103 end=fin gap=0 anomalies=[line_too_long]\n" },
    { "long_command", STEPS(steps_long_command), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER "
      "user=\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
      "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
      "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\" authzid=- outcome=failure "
      "exposure=none password=- response=\"no\" code=-\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=1 failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=1 bytes=256/20 end=fin gap=0 anomalies=[line_too_long]\n" },
    { "command_at_limit", STEPS(steps_command_at_limit), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER "
      "user=\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
      "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
      "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\" authzid=- outcome=failure "
      "exposure=none password=- response=\"no\" code=-\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=1 failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=1 bytes=255/20 end=fin gap=0 anomalies=[]\n" },
    { "long_response", STEPS(steps_long_response), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"x\" authzid=- outcome=failure exposure=none "
      "password=- "
      "response=\"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
      "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
      "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
      "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
      "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
      "cccccccccccccccccccccccccccccccccccc\" code=-\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=1 failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=2 bytes=14/529 end=fin gap=0 anomalies=[line_too_long]\n" },
    { "list_no_terminator", STEPS(steps_list_no_terminator), 0, 0, END_RST, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"lee\" authzid=- outcome=success "
      "exposure=cleartext password=\"pw\" response=\"\" code=-\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"lee\" "
      "method=USER attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=3 bytes=25/34 end=rst gap=0 anomalies=[missing_terminator]\n" },
    { "listing_cut_short", STEPS(steps_listing_cut_short), 0, 0, END_FIN, false,
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=0 failures=0 tls=none maildrop=- retr=1/14 top=0 dele=0 committed=no deleted=0 "
      "commands=3 bytes=20/101 end=quit gap=0 anomalies=[missing_terminator]\n" },
    { "gap_in_retr", STEPS(steps_gap_in_retr), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"max\" authzid=- outcome=success "
      "exposure=cleartext password=\"pw\" response=\"\" code=-\n"
      "session start=1000.000000 end=1012.000000 flow=7 banner=\"ready\" apop=- user=\"max\" "
      "method=USER attempts=1 failures=0 tls=none maildrop=- retr=1/16 top=0 dele=1 committed=yes "
      "deleted=1 commands=5 bytes=41/60 end=quit gap=100 anomalies=[gap]\n" },
    { "gap_before_terminator", STEPS(steps_gap_before_terminator), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"mia\" authzid=- outcome=success "
      "exposure=cleartext password=\"pw\" response=\"\" code=-\n"
      "session start=1000.000000 end=1010.000000 flow=7 banner=\"ready\" apop=- user=\"mia\" "
      "method=USER attempts=1 failures=0 tls=none maildrop=- retr=1/7 top=0 dele=1 committed=no "
      "deleted=0 commands=4 bytes=35/41 end=fin gap=50 anomalies=[gap]\n" },
    { "gap_server_tail", STEPS(steps_gap_server_tail), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"nia\" authzid=- outcome=success "
      "exposure=cleartext password=\"pw\" response=\"\" code=-\n"
      "session start=1000.000000 end=1012.000000 flow=7 banner=\"ready\" apop=- user=\"nia\" "
      "method=USER attempts=1 failures=0 tls=none maildrop=- retr=1/5 top=0 dele=0 committed=no "
      "deleted=0 commands=5 bytes=41/56 end=fin gap=1 anomalies=[gap]\n" },
    { "gap_pass_verdict", STEPS(steps_gap_pass_verdict), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"ned\" authzid=- outcome=unknown "
      "exposure=cleartext password=\"pw\" response=- code=-\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=1 failures=0 tls=none maildrop=2/320 retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=3 bytes=25/27 end=fin gap=20 anomalies=[gap]\n" },
    { "gap_client", STEPS(steps_gap_client), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"ola\" authzid=- outcome=success "
      "exposure=cleartext password=\"pw\" response=\"\" code=-\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=\"ola\" "
      "method=USER attempts=1 failures=0 tls=none maildrop=1/10 retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=3 bytes=44/31 end=fin gap=30 anomalies=[gap]\n" },
    { "auth_bad_base64", STEPS(steps_auth_bad_base64), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=LOGIN user=- authzid=- outcome=failure exposure=cleartext "
      "password=\"pass\" response=\"failed\" code=AUTH\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=1 failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=1 bytes=35/63 end=fin gap=0 anomalies=[bad_base64]\n" },
    { "attempt_slots", STEPS(steps_attempt_slots), 0, 0, END_FIN, false,
      "auth t=1002.000000 flow=7 #1 method=USER user=\"vic\" authzid=- outcome=unknown "
      "exposure=cleartext password=\"a\" response=- code=-\n"
      "auth t=1003.000000 flow=7 #2 method=USER user=\"vic\" authzid=- outcome=failure "
      "exposure=cleartext password=\"b\" response=\"2\" code=-\n"
      "auth t=1003.000000 flow=7 #3 method=USER user=\"vic\" authzid=- outcome=failure "
      "exposure=cleartext password=\"c\" response=\"3\" code=-\n"
      "auth t=1003.000000 flow=7 #4 method=USER user=\"vic\" authzid=- outcome=failure "
      "exposure=cleartext password=\"d\" response=\"4\" code=-\n"
      "auth t=1003.000000 flow=7 #5 method=USER user=\"vic\" authzid=- outcome=success "
      "exposure=cleartext password=\"e\" response=\"5\" code=-\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=\"vic\" "
      "method=USER attempts=5 failures=3 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=6 bytes=50/55 end=fin gap=0 anomalies=[pipeline_overflow]\n" },
    { "end_pending_attempt", STEPS(steps_end_pending_attempt), 0, 0, END_TIMEOUT, false,
      "auth t=1004.000000 flow=7 #1 method=USER user=\"pat\" authzid=- outcome=unknown "
      "exposure=cleartext password=\"pw\" response=- code=-\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=2 bytes=19/16 end=timeout gap=0 anomalies=[]\n" },
    { "pipeline_overflow", STEPS(steps_pipeline_overflow), 0, 2, END_FIN, false,
      "auth t=1002.000000 flow=7 #1 method=USER user=\"quinn\" authzid=- outcome=unknown "
      "exposure=cleartext password=\"pw\" response=- code=-\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=1 failures=0 tls=none maildrop=3/30 retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=6 bytes=45/46 end=fin gap=0 anomalies=[pipeline_overflow]\n" },
    { "implicit_tls", STEPS(steps_implicit_tls), 0, 0, END_FIN, true,
      "session start=1000.000000 end=1003.000000 flow=7 banner=- apop=- user=- method=- attempts=0 "
      "failures=0 tls=implicit maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=0 "
      "bytes=19/10 end=fin gap=0 anomalies=[]\n" },
    { "greeting_refused", STEPS(steps_greeting_refused), 0, 0, END_FIN, false,
      "session start=1000.000000 end=1002.000000 flow=7 banner=\"[SYS/TEMP] too many connections\" "
      "apop=- user=- method=- attempts=0 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 "
      "committed=no deleted=0 commands=0 bytes=0/38 end=fin gap=0 anomalies=[]\n" },
    { "no_greeting", STEPS(steps_no_greeting), 0, 0, END_FIN, false,
      "session start=1000.000000 end=1007.000000 flow=7 banner=- apop=- user=- method=- attempts=0 "
      "failures=0 tls=none maildrop=- retr=1/7 top=0 dele=1 committed=yes deleted=1 commands=3 "
      "bytes=22/25 end=quit gap=0 anomalies=[no_greeting]\n" },
    { "client_after_quit", STEPS(steps_client_after_quit), 0, 0, END_FIN, false,
      "session start=1000.000000 end=1005.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=0 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=2 bytes=12/16 end=quit gap=0 anomalies=[client_data_after_quit]\n" },
    { "nul_in_line", STEPS(steps_nul_in_line), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"r\\x00ot\" authzid=- outcome=failure "
      "exposure=none password=- response=\"no such user\" code=-\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=1 failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=1 bytes=11/30 end=fin gap=0 anomalies=[nul_in_line]\n" },
    { "bare_auth", STEPS(steps_bare_auth), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=PLAIN user=\"bob\" authzid=- outcome=success "
      "exposure=cleartext password=\"hunter2\" response=\"\" code=-\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=\"bob\" "
      "method=PLAIN attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=3 bytes=41/44 end=fin gap=0 anomalies=[]\n" },
    { "top_and_args", STEPS(steps_top_and_args), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"sue\" authzid=- outcome=success "
      "exposure=cleartext password=\"pw\" response=\"\" code=-\n"
      "session start=1000.000000 end=1014.000000 flow=7 banner=\"ready\" apop=- user=\"sue\" "
      "method=USER attempts=1 failures=0 tls=none maildrop=1/120 retr=0/0 top=1 dele=0 committed=no "
      "deleted=0 commands=7 bytes=56/137 end=fin gap=0 anomalies=[]\n" },
    { "user_refused", STEPS(steps_user_refused), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"nobody\" authzid=- outcome=failure "
      "exposure=none password=- response=\"no such user\" code=AUTH\n"
      "auth t=1005.000000 flow=7 #2 method=USER user=- authzid=- outcome=failure exposure=none "
      "password=- response=\"no\" code=-\n"
      "auth t=1005.000000 flow=7 #3 method=USER user=\"uma\" authzid=- outcome=failure exposure=none "
      "password=- response=\"no\" code=-\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=3 failures=3 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=3 bytes=33/55 end=fin gap=0 anomalies=[]\n" },
    { "unexpected", STEPS(steps_unexpected), 0, 0, END_FIN, false,
      "session start=1000.000000 end=1005.000000 flow=7 banner=\"ready\" apop=- user=- method=- "
      "attempts=0 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=1 bytes=6/30 end=fin gap=0 anomalies=[unexpected_response]\n" },
};

#define TEST_SCRIPT_COUNT (sizeof test_scripts / sizeof test_scripts[0])

#endif
