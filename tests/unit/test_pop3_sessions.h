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

/* Lines end at LF, as dovecot frames them: "NOOP\rNOOP" is one unknown
 * command with one -ERR (dovecot 2.3.19 answers exactly that), so the
 * PASS after it gets the -ERR [AUTH], not a +OK meant for something else.
 * A bare CR in a body is a byte of its line, and ".\r" not followed by LF
 * is a stuffed line, not the terminator: 5 + 4 octets. */
static const struct test_step steps_bare_cr[] = {
    SV("+OK ready\r\n"),
    CL("USER hal\r\nNOOP\rNOOP\r\nPASS wrong\r\n"),
    SV("+OK\r\n-ERR Unknown command.\r\n-ERR [AUTH] Authentication failed.\r\n"),
    CL("USER hal\r\nNOOP\rNOOP\r\nPASS pw\r\n"),
    SV("+OK\r\n-ERR Unknown command.\r\n+OK Logged in.\r\n"),
    CL("STAT\r\nRETR 1\r\n"),
    SV("+OK 4 400\r\n+OK 9 octets\r\na\rb\r\n.\rx\r\n.\r\n"),
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

/* A client gap: the visible start of the broken line keeps its place in
 * the queue (unnamed: its keyword may be cut), so the one reply seen is
 * its, not STAT's; the rest of the line and a non-command are skipped,
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

/* ---- SASL mechanisms through the tracker, byte strings from their RFCs ---- */

/* NTLM over SASL: NEGOTIATE, the server's CHALLENGE (ServerChallenge
 * ebe1afa18b7fbfa6), and the AUTHENTICATE that hashcat's mode 5600 example
 * hash was taken from (user 0UL5G37JOI0SX, domain 6VB1IS0KA74, UTF-16, an
 * NTLMv2 response). The crack line must be that example hash. */
static const struct test_step steps_auth_ntlm[] = {
    SV("+OK ready\r\n"),
    CL("AUTH NTLM\r\n"),
    SV("+ \r\n"),
    CL("TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAA=\r\n"),
    SV("+ TlRMTVNTUAACAAAAAAAAADAAAAAFgomi6+GvoYt/v6YAAAAAAAAAAAAAAAAwAAAA\r\n"),
    CL("TlRMTVNTUAADAAAAGAAYAIwAAAAzADMApAAAABYAFgBYAAAAGgAaAG4AAAAEAAQAiAAAAAAAAADXAAAAAYIIAAAAAAAAAAAAAAAAAAAA"
       "AAAAAAAAAAAAADYAVgBCADEASQBTADAASwBBADcANAAwAFUATAA1AEcAMwA3AEoATwBJADAAUwBYAFcAUwAAAAAAAAAAAAAAAAAAAAAA"
       "AAAAAAAAAACquL+GdWWN0qk5RYoQd7oIAQEAAAAAAAAxyKoJJRCUU5i597fd4an7AAAAAPeHbysEtwA=\r\n"),
    SV("-ERR [AUTH] Authentication failed.\r\n"),
};

/* RFC 7628 §4.1: "n,a=user@example.com,^Ahost=server.example.com^A
 * port=143^Aauth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==^A^A" as
 * an initial response; then §4.3's failure: the server's JSON error as a
 * challenge, the client's lone ^A ("AQ=="), and -ERR. */
static const struct test_step steps_auth_oauthbearer[] = {
    SV("+OK ready\r\n"),
    CL("AUTH OAUTHBEARER bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVy"
       "IHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB\r\n"),
    SV("+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3VyYXRpb24iOiJodH"
       "RwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0=\r\n"),
    CL("AQ==\r\n"),
    SV("-ERR [AUTH] Invalid token\r\n"),
    CL("AUTH OAUTHBEARER\r\n"),
    SV("+ \r\n"),
    CL("bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRj"
       "Mk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB\r\n"),
    SV("+OK Logged in.\r\n"),
};

/* Google's XOAUTH2: "user=someuser@example.com^Aauth=Bearer ya29.vF9d...^A^A". */
static const struct test_step steps_auth_xoauth2[] = {
    SV("+OK Gpop ready\r\n"),
    CL("AUTH XOAUTH2 dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJo"
       "ZG1semRHRXVZMjl0Q2cBAQ==\r\n"),
    SV("+OK Welcome.\r\n"),
};

/* RFC 7677 §3 SCRAM-SHA-256 example ("n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
 * server-first, client-final with p=dHzb..., server-final v=6rri...),
 * then the empty client response RFC 5034 §4 asks for. */
static const struct test_step steps_auth_scram_sha_256[] = {
    SV("+OK ready\r\n"),
    CL("AUTH SCRAM-SHA-256 biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8=\r\n"),
    SV("+ cj1yT3ByTkdmd0ViZVJXZ2JORWtxTyVodllEcFdVYTJSYVRDQWZ1eEZJbGopaE5sRiRrMCxzPVcyMlphSjBTTlk3c29Fc1VFamI2"
       "Z1E9PSxpPTQwOTY=\r\n"),
    CL("Yz1iaXdzLHI9ck9wck5HZndFYmVSV2diTkVrcU8laHZZRHBXVWEyUmFUQ0FmdXhGSWxqKWhObEYkazAscD1kSHpiWmFwV0lrNGpVaE4r"
       "VXRlOXl0YWc5empmTUhnc3FtbWl6N0FuZFZRPQ==\r\n"),
    SV("+ dj02cnJpVFJCaTIzV3BSUi93dHVwK21NaFVaVW4vZEI1bkxUSlJzamw5NUc0PQ==\r\n"),
    CL("\r\n"),
    SV("+OK Logged in.\r\n"),
};

/* RFC 2831 §4's exchange (chris, realm elwood.innosoft.com) with qop=auth-int
 * chosen: after +OK every byte is wrapped (RFC 4422 §3.7), so the text that
 * looks like a login after it is not one. */
static const struct test_step steps_auth_digest_layer[] = {
    SV("+OK ready\r\n"),
    CL("AUTH DIGEST-MD5\r\n"),
    SV("+ cmVhbG09ImVsd29vZC5pbm5vc29mdC5jb20iLG5vbmNlPSJPQTZNRzl0RVFHbTJoaCIscW9wPSJhdXRoLGF1dGgtaW50IixhbGdv"
       "cml0aG09bWQ1LXNlc3MsY2hhcnNldD11dGYtOA==\r\n"),
    CL("Y2hhcnNldD11dGYtOCx1c2VybmFtZT0iY2hyaXMiLHJlYWxtPSJlbHdvb2QuaW5ub3NvZnQuY29tIixub25jZT0iT0E2TUc5dEVRR20y"
       "aGgiLG5jPTAwMDAwMDAxLGNub25jZT0iT0E2TUhYaDZWcVRyUmsiLGRpZ2VzdC11cmk9InBvcC9lbHdvb2QuaW5ub3NvZnQuY29tIixy"
       "ZXNwb25zZT1kMzg4ZGFkOTBkNGJiZDc2MGExNTIzMjFmMjE0M2FmNyxxb3A9YXV0aC1pbnQ=\r\n"),
    SV("+ cnNwYXV0aD1lYTQwZjYwMzM1YzQyN2I1NTI3Yjg0ZGJhYmNkZmZmZA==\r\n"),
    CL("\r\n"),
    SV("+OK Maildrop locked and ready\r\n"),
    CL("\x00\x00\x00\x1cUSER x\r\nPASS y\r\n\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"),
    SV("\x00\x00\x00\x1c+OK\r\n+OK\r\n\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"),
};

/* GSSAPI (RFC 4752) tokens are opaque; which layer was chosen is inside
 * them. The first client byte after +OK tells: a 4-byte length starts with
 * 0 (RFC 4422 §3.7), a POP3 command never does. Session 1 has a layer. */
static const struct test_step steps_auth_gssapi_layer[] = {
    SV("+OK ready\r\n"),
    CL("AUTH GSSAPI\r\n"),
    SV("+ \r\n"),
    CL("YIIBzQYJKoZIhvcSAQICAQBuggG8MIIBuKADAgEF\r\n"),
    SV("+ YGoGCSqGSIb3EgECAgIAb1swWaADAgEF\r\n"),
    CL("\r\n"),
    SV("+ YD8GCSqGSIb3EgECAgIBAAD/////\r\n"),
    CL("YD8GCSqGSIb3EgECAgIBAAD/////AQAQAA==\r\n"),
    SV("+OK GSSAPI authentication successful\r\n"),
    CL("\x00\x00\x00\x30" "RETR 1\r\n"),
    SV("\x00\x00\x01\x00" "+OK\r\n"),
};

/* The same without a layer: the client's next line is a plain command. */
static const struct test_step steps_auth_gssapi_plain[] = {
    SV("+OK ready\r\n"),
    CL("AUTH GSSAPI YIIBzQYJKoZIhvcSAQICAQBuggG8MIIBuKADAgEF\r\n"),
    SV("+ YD8GCSqGSIb3EgECAgIBAAD/////\r\n"),
    CL("YD8GCSqGSIb3EgECAgIBAAD/////AQAQAA==\r\n"),
    SV("+OK\r\n"),
    CL("STAT\r\n"),
    SV("+OK 1 100\r\n"),
};

/* RFC 4505 §3: trace information "sirhc"; RFC 4422 appendix A: EXTERNAL
 * with an empty ("=") and then an explicit authorization identity. */
static const struct test_step steps_auth_anonymous_external[] = {
    SV("+OK ready\r\n"),
    CL("AUTH ANONYMOUS c2lyaGM=\r\n"),
    SV("-ERR [SYS/PERM] Anonymous logins are not allowed\r\n"),
    CL("AUTH EXTERNAL =\r\n"),
    SV("-ERR [SYS/TEMP] Try later\r\n"),
    CL("AUTH EXTERNAL\r\n"),
    SV("+ \r\n"),
    CL("YWRtaW4=\r\n"),
    SV("+OK\r\n"),
};

/* ---- response codes: what each says about the credentials ---- */

/* RFC 2449 §8.1.1 LOGIN-DELAY and §8.1.2 IN-USE after SASL logins; RFC
 * 3206 §4 SYS/PERM. With AUTH-RESP-CODE listed (RFC 3206 §5) a bare -ERR
 * is not about the credentials. */
static const struct test_step steps_resp_codes_sasl[] = {
    SV("+OK ready\r\n"),
    CL("CAPA\r\n"),
    SV("+OK\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nSASL PLAIN\r\nLOGIN-DELAY 900\r\n.\r\n"),
    CL("AUTH PLAIN AGFsaWNlAHB3\r\n"),
    SV("-ERR [LOGIN-DELAY] Minimum time between mail checks violation\r\n"),
    CL("AUTH PLAIN AGFsaWNlAHB3\r\n"),
    SV("-ERR [IN-USE] Mailbox locked by another session\r\n"),
    CL("AUTH PLAIN AGFsaWNlAHB3\r\n"),
    SV("-ERR [sys/perm] Account disabled\r\n"),
    CL("AUTH PLAIN AGFsaWNlAHB3\r\n"),
    SV("-ERR Too many connections\r\n"),
    CL("AUTH PLAIN AGFsaWNlAHdyb25n\r\n"),
    SV("-ERR [AUTH] Authentication failed\r\n"),
};

/* ---- capabilities and the STLS downgrade ---- */

/* RFC 2449 §6 example reply, every capability it defines. */
static const struct test_step steps_capa_rfc2449[] = {
    SV("+OK POP3 server ready\r\n"),
    CL("CAPA\r\n"),
    SV("+OK Capability list follows\r\nTOP\r\nUSER\r\nSASL CRAM-MD5 KERBEROS_V4\r\nRESP-CODES\r\n"
       "LOGIN-DELAY 900\r\nPIPELINING\r\nEXPIRE 60\r\nUIDL\r\nIMPLEMENTATION Shlemazle-Plotz-v302\r\n.\r\n"),
    CL("AUTH CRAM-MD5\r\n"),
    SV("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
    CL("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"),
    SV("+OK\r\n"),
    CL("CAPA\r\n"),
    SV("+OK\r\nTOP\r\nUIDL\r\nX-PRIVATE extension\r\n.\r\n"),
};

/* The greeting announces STLS; the client logs in in clear anyway. */
static const struct test_step steps_banner_stls[] = {
    SV("+OK POP3 ready, STLS available\r\n"),
    CL("USER wes\r\nPASS pw\r\n"),
    SV("+OK\r\n+OK\r\n"),
};

/* CAPA lists STLS, and the client uses it: no finding. */
static const struct test_step steps_stls_used[] = {
    SV("+OK ready\r\n"),
    CL("CAPA\r\n"),
    SV("+OK\r\nSTLS\r\nSASL PLAIN\r\n.\r\n"),
    CL("STLS\r\n"),
    SV("+OK Begin TLS negotiation now.\r\n"),
};

/* ---- RFC 6856 and the maildrop from listings ---- */

/* UTF8 (§2) and LANG (§3): a bare LANG lists languages, one with an
 * argument answers in one line; neither may desynchronise the pairing. */
static const struct test_step steps_utf8_lang[] = {
    SV("+OK ready\r\n"),
    CL("CAPA\r\n"),
    SV("+OK\r\nUTF8 USER\r\nLANG\r\nUSER\r\n.\r\n"),
    CL("UTF8\r\n"),
    SV("+OK I can speak UTF-8 too\r\n"),
    CL("LANG\r\n"),
    SV("+OK Language listing follows:\r\nen English\r\nen-boont English Boontling dialect\r\n"
       "de Deutsch\r\n.\r\n"),
    CL("LANG de\r\n"),
    SV("+OK Sprache ist jetzt Deutsch\r\n"),
    CL("LANG\r\n"),
    SV("-ERR unknown\r\n"),
    CL("USER y\xc3\xbc\r\nPASS p\xc3\xa4ss\r\nSTAT\r\n"),
    SV("+OK\r\n+OK\r\n+OK 2 300\r\n"),
};

/* No STAT: a bare LIST gives the maildrop (RFC 1939 §5 scan listings); a
 * UIDL listing alone gives only the count; a LIST after DELE (marked
 * messages left out) changes nothing. */
static const struct test_step steps_list_maildrop[] = {
    SV("+OK ready\r\n"),
    CL("USER xia\r\nPASS pw\r\n"),
    SV("+OK\r\n+OK Logged in.\r\n"),
    CL("UIDL\r\n"),
    SV("+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n3 abc\r\n.\r\n"),
    CL("LIST\r\n"),
    SV("+OK 3 messages:\r\n1 120\r\n2 200\r\n3 1000\r\n.\r\n"),
    CL("DELE 3\r\n"),
    SV("+OK\r\n"),
    CL("LIST\r\n"),
    SV("+OK\r\n1 120\r\n2 200\r\n.\r\n"),
};

static const struct test_step steps_uidl_only[] = {
    SV("+OK ready\r\n"),
    CL("USER yan\r\nPASS pw\r\nUIDL\r\n"),
    SV("+OK\r\n+OK\r\n+OK\r\n1 a\r\n2 b\r\n.\r\n"),
    CL("LIST\r\n"),
    SV("+OK\r\n1 120\r\nbroken line\r\n.\r\n"),
};

/* The login reply's size (qpopper style) is not replaced by a UIDL count,
 * nor by a STAT made while a message is marked (RFC 1939 §5 leaves it out). */
static const struct test_step steps_login_maildrop_kept[] = {
    SV("+OK ready\r\n"),
    CL("USER zed\r\nPASS pw\r\nUIDL\r\nDELE 1\r\nSTAT\r\n"),
    SV("+OK\r\n+OK zed has 2 visible messages (0 hidden) in 320 octets.\r\n+OK\r\n1 a\r\n2 b\r\n.\r\n"
       "+OK\r\n+OK 1 200\r\n"),
};

/* samples/auth-cancel.pcap with the "+ VXNlcm5hbWU6\r\n" prompt (16 bytes)
 * lost: a server gap mid-exchange may be a prompt as well as the verdict,
 * so the AUTH stays open; the client's base64 answer shows it was a
 * prompt. The "*" still aborts, and USER/PASS pair with their replies. */
static const struct test_step steps_auth_gap_prompt[] = {
    SV("+OK ready\r\n"),
    CL("AUTH LOGIN\r\n"),
    GAP_SV(16),
    CL("Y2Fyb2w=\r\n"),
    SV("+ UGFzc3dvcmQ6\r\n"),
    CL("*\r\n"),
    SV("-ERR Authentication aborted by client.\r\n"),
    CL("USER carol\r\n"),
    SV("+OK\r\n"),
    CL("PASS carol-pw\r\n"),
    SV("+OK Logged in.\r\n"),
    CL("QUIT\r\n"),
    SV("+OK Logging out.\r\n"),
};

/* The verdict "+OK Logged in.\r\n" (16 bytes) is lost instead: the client's
 * next line is a command (even "LIST", which reads as base64), so the
 * attempt is reported unknown then, and LIST pairs with its own reply. */
static const struct test_step steps_auth_gap_verdict[] = {
    SV("+OK ready\r\n"),
    CL("AUTH PLAIN\r\n"),
    SV("+ \r\n"),
    CL("AGJvYgBwdw==\r\n"),
    GAP_SV(16),
    CL("LIST\r\n"),
    SV("+OK 2 messages\r\n1 10\r\n2 20\r\n.\r\n"),
    CL("QUIT\r\n"),
    SV("+OK bye\r\n"),
};

/* samples/auth-login.pcap with the user line "Ym9i\r\n" lost: the next
 * line is the password, but by position it would read as the user; after
 * a client gap nothing more of the exchange is decoded. */
static const struct test_step steps_auth_login_client_gap[] = {
    SV("+OK ready\r\n"),
    CL("AUTH LOGIN\r\n"),
    SV("+ VXNlcm5hbWU6\r\n"),
    GAP_CL(6),
    SV("+ UGFzc3dvcmQ6\r\n"),
    CL("Ym9iIHBhc3Mgd2l0aCBzcGFjZXM=\r\n"),
    SV("+OK Logged in.\r\n"),
};

/* The gap cuts the user line ("dXNl" seen, "cg==\r\n" lost): the cut line
 * is dropped, and the password line after it must not read as the user. */
static const struct test_step steps_auth_login_cut_line_gap[] = {
    SV("+OK ready\r\n"),
    CL("AUTH LOGIN\r\n"),
    SV("+ VXNlcm5hbWU6\r\n"),
    CL("dXNl"),
    GAP_CL(6),
    SV("+ UGFzc3dvcmQ6\r\n"),
    CL("cGFzcw==\r\n"),
    SV("-ERR [AUTH] failed\r\n"),
};

/* samples/pipelining.pcap with "USER bob\r\n" lost: the first reply
 * answers the lost USER, not PASS, so PASS gets no verdict (unknown); the
 * second reply pairs with nothing, which puts pairing back in step, and
 * STAT pairs with its own reply. */
static const struct test_step steps_pipelined_client_gap[] = {
    SV("+OK ready\r\n"),
    CL("CAPA\r\n"),
    SV("+OK\r\nPIPELINING\r\nUSER\r\n.\r\n"),
    GAP_CL(10),
    CL("PASS bob pw\r\n"),
    SV("+OK\r\n"),
    SV("+OK Logged in.\r\n"),
    CL("STAT\r\n"),
    SV("+OK 4 5500\r\n"),
};

/* Without pipelining the lost PASS's reply comes before the next command:
 * USER (queued before the gap) keeps its reply, the -ERR pairs with
 * nothing, and the next PASS's verdict is trusted again. */
static const struct test_step steps_client_gap_in_step[] = {
    SV("+OK ready\r\n"),
    CL("USER ann\r\n"),
    GAP_CL(9),
    SV("+OK\r\n"),
    SV("-ERR [AUTH] no\r\n"),
    CL("PASS yes\r\n"),
    SV("+OK in\r\n"),
};

/* Only the client's side (samples/auth-cancel.pcap): RFC 5034 §4 "*" ends
 * the exchange for the client, so USER/PASS are a second attempt; neither
 * verdict is seen. */
static const struct test_step steps_auth_cancel_client_only[] = {
    CL("AUTH LOGIN\r\n"),
    CL("Y2Fyb2w=\r\n"),
    CL("*\r\n"),
    CL("USER carol\r\n"),
    CL("PASS carol-pw\r\n"),
    CL("QUIT\r\n"),
};

/* Only the client's side, no "*": a line that is a known command and not
 * base64 ("USER dan" has a space) shows the exchange is over. */
static const struct test_step steps_auth_command_client_only[] = {
    CL("AUTH PLAIN\r\n"),
    CL("AGFsaWNlAHNlY3JldA==\r\n"),
    CL("STAT\r\n"),
    CL("USER dan\r\n"),
    CL("PASS dan-pw\r\n"),
};

/* Issue 12.1: a PIPELINING client (RFC 2449 §6.6) queues its commands
 * behind AUTH with an initial response; dovecot 2.3.19 answers the verdict,
 * then each command in order. STAT and UIDL read as base64 too: only the
 * server's next line (a verdict, not a "+ " prompt) makes them commands. */
static const struct test_step steps_pipelined_plain_ir[] = {
    SV("+OK ready\r\n"),
    CL("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nSTAT\r\nUIDL\r\nRETR 1\r\nDELE 1\r\nTOP 2 1\r\nQUIT\r\n"),
    SV("+OK Logged in.\r\n+OK 2 320\r\n+OK\r\n1 aa\r\n2 bb\r\n.\r\n+OK 5 octets\r\nabc\r\n.\r\n"
       "+OK Marked to be deleted.\r\n+OK\r\nhdr\r\n\r\nx\r\n.\r\n+OK Logging out, messages deleted.\r\n"),
};

/* The answers pipelined too, before any prompt: each "+ " takes the oldest
 * line held back, the verdict makes the rest commands. */
static const struct test_step steps_pipelined_login_noir[] = {
    SV("+OK ready\r\n"),
    CL("AUTH LOGIN\r\nYWxpY2U=\r\nc2VjcmV0\r\nSTAT\r\nLIST\r\nQUIT\r\n"),
    SV("+ VXNlcm5hbWU6\r\n"),
    SV("+ UGFzc3dvcmQ6\r\n+OK Logged in.\r\n+OK 1 10\r\n+OK\r\n1 10\r\n.\r\n+OK Bye\r\n"),
};

/* Commands pipelined right behind the last SASL answer (RFC 2195 example). */
static const struct test_step steps_pipelined_cram_md5[] = {
    SV("+OK ready\r\n"),
    CL("AUTH CRAM-MD5\r\n"),
    SV("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
    CL("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\nSTAT\r\nQUIT\r\n"),
    SV("+OK CRAM authentication successful\r\n+OK 3 30\r\n+OK\r\n"),
};

/* A refused login with commands behind it: dovecot answers each in the
 * AUTHORIZATION state. Nothing is paired with the wrong reply. */
static const struct test_step steps_pipelined_auth_fail[] = {
    SV("+OK ready\r\n"),
    CL("AUTH PLAIN AGFsaWNlAHdyb25n\r\nSTAT\r\nUSER alice\r\nPASS secret\r\n"),
    SV("-ERR [AUTH] Authentication failed.\r\n-ERR Unknown command.\r\n+OK\r\n+OK Logged in.\r\n"),
};

/* A "*" held back is an answer like any other: the prompt takes it, the
 * exchange is aborted (RFC 5034 §4), the lines behind it are commands. */
static const struct test_step steps_pipelined_cancel[] = {
    SV("+OK ready\r\n"),
    CL("AUTH LOGIN\r\n*\r\nUSER alice\r\nPASS secret\r\n"),
    SV("+ VXNlcm5hbWU6\r\n-ERR Authentication aborted\r\n+OK\r\n+OK Logged in.\r\n"),
};

/* Issue 12.2, captures cut at a snaplen: each cut line is its visible
 * start, then a gap. "+O" decides a verdict; an APOP cut in its digest is
 * an attempt by that user with the digest begun (no crack line); STAT cut
 * in its numbers gives no maildrop; a RETR body whose terminator was cut
 * ends when the client, with nothing else in flight, speaks again, and
 * counts the announced 120 octets; "-E" refuses the DELE. */
static const struct test_step steps_snaplen_cut[] = {
    SV("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"),
    CL("APOP mrose c4c9334bac56"),
    GAP_CL(22),
    SV("+O"),
    GAP_SV(40),
    CL("STAT\r\n"),
    SV("+OK 2 32"),
    GAP_SV(3),
    CL("RETR 1\r\n"),
    SV("+OK 120 octets\r\nSubject: hi\r\n"),
    GAP_SV(110),
    CL("DELE 1\r\n"),
    SV("-E"),
    GAP_SV(20),
    CL("QUIT\r\n"),
    SV("+OK bye\r\n"),
};

/* What a cut verdict tells about the credentials: nothing when the place
 * of a response code was cut ("-ERR", "-ERR [AU"), [AUTH] when visible
 * (RFC 3206 §4). "+ " is no status, a lone "-" too little: unknown. A USER
 * cut in its argument gives the visible start of the name. */
static const struct test_step steps_snaplen_verdicts[] = {
    SV("+OK ready\r\n"),
    CL("USER ali"),
    GAP_CL(4),
    SV("+OK\r\n"),
    CL("PASS one\r\n"),
    SV("-ERR"),
    GAP_SV(30),
    CL("PASS two\r\n"),
    SV("-ERR [AU"),
    GAP_SV(30),
    CL("PASS three\r\n"),
    SV("-ERR [AUTH] Auth"),
    GAP_SV(20),
    CL("PASS four\r\n"),
    SV("+ "),
    GAP_SV(30),
    CL("PASS five\r\n"),
    SV("-"),
    GAP_SV(30),
};

/* Bodies cut with an announced size: a "+OK" line inside the first 500
 * octets is still body; once 50 + 3 bytes went by, a status line right
 * after the loss is the next reply, here DELE's (pipelined). */
static const struct test_step steps_snaplen_bodies[] = {
    SV("+OK ready\r\n"),
    CL("USER a\r\nPASS b\r\n"),
    SV("+OK\r\n+OK\r\n"),
    CL("RETR 2\r\n"),
    SV("+OK 500 octets\r\nabc"),
    GAP_SV(10),
    SV("+OK this is body text\r\nmore\r\n.\r\n"),
    CL("RETR 1\r\nDELE 1\r\nQUIT\r\n"),
    SV("+OK 50 octets\r\nline one"),
    GAP_SV(60),
    SV("+OK Marked to be deleted.\r\n"),
    SV("+OK Logging out, messages deleted.\r\n"),
};

static const struct test_script test_scripts[] = {
    { "userpass_full", STEPS(steps_userpass_full), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"alice\" authzid=- outcome=success exposure=cleartext "
      "password=\"secret\" response=\"maildrop has 2 messages (320 octets)\" code=- valid=yes\n"
      "session start=1000.000000 end=1016.000000 flow=7 banner=\"POP3 server ready "
      "<1896.697170952@dbc.mtview.ca.us>\" apop=\"<1896.697170952@dbc.mtview.ca.us>\" user=\"alice\" method=USER "
      "attempts=1 failures=0 tls=none maildrop=2/320 retr=1/31 top=0 dele=1 committed=yes deleted=1 commands=7 "
      "bytes=59/309 end=quit gap=0 anomalies=[]\n" },
    { "wrong_then_right", STEPS(steps_wrong_then_right), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"bob\" authzid=- outcome=failure exposure=cleartext "
      "password=\"wrong\" response=\"invalid password\" code=AUTH valid=no\n"
      "auth t=1009.000000 flow=7 #2 method=USER user=\"bob\" authzid=- outcome=success exposure=cleartext "
      "password=\"hunter2\" response=\"3 messages (19191 octets)\" code=- valid=yes\n"
      "session start=1000.000000 end=1012.000000 flow=7 banner=\"ready\" apop=- user=\"bob\" method=USER attempts=2 "
      "failures=1 tls=none maildrop=3/19191 retr=0/0 top=0 dele=0 committed=no deleted=0 commands=5 bytes=52/91 "
      "end=quit gap=0 anomalies=[]\n" },
    { "pass_spaces", STEPS(steps_pass_spaces), 0, 0, END_END_OF_INPUT, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"carol\" authzid=- outcome=success exposure=cleartext "
      "password=\"correct horse battery \" response=\"Mailbox open, 3 messages\" code=- valid=yes\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"carol\" method=USER "
      "attempts=1 failures=0 tls=none maildrop=3/- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=2 "
      "bytes=41/46 end=end_of_input gap=0 anomalies=[]\n" },
    { "apop", STEPS(steps_apop), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=APOP user=\"mrose\" authzid=- outcome=success exposure=hash "
      "password=\"c4c9334bac560ecc979e58001b3e22fb\" response=\"mrose has 3 visible messages (0 hidden) in 4179 "
      "octets.\" code=- valid=yes "
      "crack=\"mrose:c4c9334bac560ecc979e58001b3e22fb:<1896.697170952@dbc.mtview.ca.us>\"\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"POP3 server ready "
      "<1896.697170952@dbc.mtview.ca.us>\" apop=\"<1896.697170952@dbc.mtview.ca.us>\" user=\"mrose\" method=APOP "
      "attempts=1 failures=0 tls=none maildrop=3/4179 retr=0/0 top=0 dele=0 committed=no deleted=0 commands=2 "
      "bytes=51/123 end=quit gap=0 anomalies=[]\n" },
    { "auth_plain_inline", STEPS(steps_auth_plain_inline), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=PLAIN user=\"alice\" authzid=\"admin\" outcome=success exposure=cleartext "
      "password=\"secret\" response=\"Logged in.\" code=- valid=yes\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=\"alice\" method=PLAIN "
      "attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=37/27 "
      "end=fin gap=0 anomalies=[]\n" },
    { "auth_plain_empty_challenge", STEPS(steps_auth_plain_empty_challenge), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=PLAIN user=\"alice\" authzid=- outcome=success exposure=cleartext "
      "password=\"secret\" response=\"Logged in.\" code=- valid=yes\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"alice\" method=PLAIN "
      "attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=34/31 "
      "end=fin gap=0 anomalies=[]\n" },
    { "auth_plain_bare_plus", STEPS(steps_auth_plain_bare_plus), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=PLAIN user=\"dave\" authzid=- outcome=failure exposure=cleartext "
      "password=\"wrong\" response=\"Authentication failed.\" code=AUTH valid=no\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=1 "
      "failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=30/50 end=fin "
      "gap=0 anomalies=[]\n" },
    { "auth_plain_equals", STEPS(steps_auth_plain_equals), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=PLAIN user=- authzid=- outcome=failure exposure=none password=- "
      "response=\"malformed\" code=- valid=?\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=1 "
      "failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=14/27 end=fin "
      "gap=0 anomalies=[]\n" },
    { "auth_login_initial", STEPS(steps_auth_login_initial), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=LOGIN user=\"user\" authzid=- outcome=success exposure=cleartext "
      "password=\"pass\" response=\"welcome\" code=- valid=yes\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"user\" method=LOGIN "
      "attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=31/40 "
      "end=fin gap=0 anomalies=[]\n" },
    { "auth_login_prompts", STEPS(steps_auth_login_prompts), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=LOGIN user=\"carol\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw 1\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=\"carol\" method=LOGIN "
      "attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=32/56 "
      "end=fin gap=0 anomalies=[]\n" },
    { "auth_cram_md5", STEPS(steps_auth_cram_md5), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=CRAM-MD5 user=\"tim\" authzid=- outcome=success exposure=hash "
      "password=\"b913a602c7eda7a495b4e6e7334d3890\" response=\"CRAM authentication successful\" code=- valid=yes "
      "crack=\"$cram_md5$PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+$dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZ"
      "lNzMzNGQzODkw\"\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"tim\" method=CRAM-MD5 "
      "attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 "
      "bytes=65/107 end=fin gap=0 anomalies=[]\n" },
    { "auth_login_cancel", STEPS(steps_auth_login_cancel), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=LOGIN user=\"user\" authzid=- outcome=aborted exposure=none password=- "
      "response=\"authentication aborted\" code=- valid=?\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=1 "
      "failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=25/72 end=fin "
      "gap=0 anomalies=[]\n" },
    { "auth_plain_cancel", STEPS(steps_auth_plain_cancel), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=PLAIN user=- authzid=- outcome=aborted exposure=none password=- "
      "response=\"canceled\" code=- valid=?\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=1 "
      "failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=15/30 end=fin "
      "gap=0 anomalies=[]\n" },
    { "xoauth2_error", STEPS(steps_xoauth2_error), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=XOAUTH2 user=\"joe@example.com\" authzid=- outcome=failure exposure=token "
      "password=\"ya29.token\" response=\"Invalid credentials\" code=AUTH valid=no\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"Gpop ready\" apop=- user=- method=- attempts=1 "
      "failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=77/101 end=fin "
      "gap=0 anomalies=[]\n" },
    { "resp_codes", STEPS(steps_resp_codes), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"dan\" authzid=- outcome=failure exposure=cleartext "
      "password=\"right\" response=\"Do you have another POP session running?\" code=IN-USE valid=yes\n"
      "auth t=1007.000000 flow=7 #2 method=USER user=\"dan\" authzid=- outcome=failure exposure=cleartext "
      "password=\"right\" response=\"Try again later\" code=SYS/TEMP valid=?\n"
      "auth t=1009.000000 flow=7 #3 method=USER user=\"dan\" authzid=- outcome=failure exposure=cleartext "
      "password=\"right\" response=\"[not a code\" code=- valid=no\n"
      "session start=1000.000000 end=1010.000000 flow=7 banner=\"[CAPA-HINT] ready\" apop=- user=- method=- "
      "attempts=3 failures=3 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=4 "
      "bytes=46/135 end=fin gap=0 anomalies=[]\n" },
    { "rset_unmarks", STEPS(steps_rset_unmarks), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"erin\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1016.000000 flow=7 banner=\"ready\" apop=- user=\"erin\" method=USER attempts=1 "
      "failures=0 tls=none maildrop=- retr=0/0 top=0 dele=3 committed=yes deleted=1 commands=8 bytes=64/109 end=quit "
      "gap=0 anomalies=[]\n" },
    { "quit_err", STEPS(steps_quit_err), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"fay\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=\"fay\" method=USER attempts=1 "
      "failures=0 tls=none maildrop=- retr=0/0 top=0 dele=1 committed=no deleted=0 commands=4 bytes=33/66 end=fin "
      "gap=0 anomalies=[]\n" },
    { "pipelined", STEPS(steps_pipelined), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"gus\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"logged in\" code=- valid=yes\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"gus\" method=USER attempts=1 "
      "failures=0 tls=none maildrop=2/320 retr=0/0 top=0 dele=0 committed=no deleted=0 commands=5 bytes=37/115 "
      "end=quit gap=0 stls_offered=yes capa=[SASL,PIPELINING,STLS] sasl=\"PLAIN LOGIN\" impl=- "
      "anomalies=[stls_offered_not_used]\n" },
    { "junk_before_status", STEPS(steps_junk_before_status), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"zeek@zeek.org\" authzid=- outcome=success exposure=cleartext "
      "password=\"zeek\" response=\"mailbox locked and ready\" code=- valid=yes\n"
      "session start=1000.000000 end=1013.000000 flow=7 banner=\"example.com POP3-Server\" apop=- "
      "user=\"zeek@zeek.org\" method=USER attempts=1 failures=0 tls=none maildrop=1/236 retr=0/0 top=0 dele=0 "
      "committed=no deleted=0 commands=4 bytes=39/128 end=quit gap=0 anomalies=[junk_server_line,bare_cr]\n" },
    { "bare_cr", STEPS(steps_bare_cr), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"hal\" authzid=- outcome=failure exposure=cleartext "
      "password=\"wrong\" response=\"Authentication failed.\" code=AUTH valid=no\n"
      "auth t=1005.000000 flow=7 #2 method=USER user=\"hal\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"Logged in.\" code=- valid=yes\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=\"hal\" method=USER attempts=2 "
      "failures=1 tls=none maildrop=4/400 retr=1/9 top=0 dele=0 committed=no deleted=0 commands=8 bytes=77/157 "
      "end=fin gap=0 anomalies=[unknown_command,bare_cr]\n" },
    { "unknown_commands", STEPS(steps_unknown_commands), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"ivy\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1018.000000 flow=7 banner=\"ready\" apop=- user=\"ivy\" method=USER attempts=1 "
      "failures=0 tls=none maildrop=5/100 retr=0/0 top=0 dele=0 committed=no deleted=0 commands=9 bytes=81/142 "
      "end=fin gap=0 anomalies=[unknown_command]\n" },
    { "stls_ok", STEPS(steps_stls_ok), 0, 0, END_FIN, false,
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=0 "
      "failures=0 tls=stls maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=2 bytes=33/77 end=fin "
      "gap=0 stls_offered=yes capa=[USER,STLS] sasl=- impl=- anomalies=[]\n" },
    { "stls_err", STEPS(steps_stls_err), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"jo\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"jo\" method=USER attempts=1 "
      "failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=3 bytes=24/45 end=fin "
      "gap=0 anomalies=[]\n" },
    { "lowercase", STEPS(steps_lowercase), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"kim\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"welcome\" code=- valid=yes\n"
      "session start=1000.000000 end=1012.000000 flow=7 banner=\"ready\" apop=- user=\"kim\" method=USER attempts=1 "
      "failures=0 tls=none maildrop=7/700 retr=1/6 top=0 dele=0 committed=no deleted=0 commands=5 bytes=39/65 "
      "end=fin gap=0 anomalies=[]\n" },
    { "overlong", STEPS(steps_overlong), 64, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" "
      "authzid=- outcome=success exposure=cleartext password=\"pw\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- "
      "user=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" method=USER attempts=1 failures=0 "
      "tls=none maildrop=2/20 retr=0/0 top=0 dele=0 committed=no deleted=0 commands=3 bytes=118/103 end=fin gap=0 "
      "anomalies=[line_too_long]\n" },
    { "long_command", STEPS(steps_long_command), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER "
      "user=\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
      "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
      "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\" authzid=- outcome=failure exposure=none password=- response=\"no\" "
      "code=- valid=?\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=1 "
      "failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=256/20 end=fin "
      "gap=0 anomalies=[line_too_long]\n" },
    { "command_at_limit", STEPS(steps_command_at_limit), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER "
      "user=\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
      "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
      "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\" authzid=- outcome=failure exposure=none password=- response=\"no\" "
      "code=- valid=?\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=1 "
      "failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=255/20 end=fin "
      "gap=0 anomalies=[]\n" },
    { "long_response", STEPS(steps_long_response), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"x\" authzid=- outcome=failure exposure=none password=- "
      "response=\"ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
      "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
      "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
      "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
      "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\" code=- valid=?\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=1 "
      "failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=2 bytes=14/529 end=fin "
      "gap=0 anomalies=[line_too_long]\n" },
    { "list_no_terminator", STEPS(steps_list_no_terminator), 0, 0, END_RST, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"lee\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"lee\" method=USER attempts=1 "
      "failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=3 bytes=25/34 end=rst "
      "gap=0 anomalies=[missing_terminator]\n" },
    { "listing_cut_short", STEPS(steps_listing_cut_short), 0, 0, END_FIN, false,
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=0 "
      "failures=0 tls=none maildrop=- retr=1/14 top=0 dele=0 committed=no deleted=0 commands=3 bytes=20/101 end=quit "
      "gap=0 anomalies=[missing_terminator]\n" },
    { "gap_in_retr", STEPS(steps_gap_in_retr), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"max\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1012.000000 flow=7 banner=\"ready\" apop=- user=\"max\" method=USER attempts=1 "
      "failures=0 tls=none maildrop=- retr=1/16 top=0 dele=1 committed=yes deleted=1 commands=5 bytes=41/60 end=quit "
      "gap=100 anomalies=[gap]\n" },
    { "gap_before_terminator", STEPS(steps_gap_before_terminator), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"mia\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1010.000000 flow=7 banner=\"ready\" apop=- user=\"mia\" method=USER attempts=1 "
      "failures=0 tls=none maildrop=- retr=1/7 top=0 dele=1 committed=no deleted=0 commands=4 bytes=35/41 end=fin "
      "gap=50 anomalies=[gap]\n" },
    { "gap_server_tail", STEPS(steps_gap_server_tail), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"nia\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1012.000000 flow=7 banner=\"ready\" apop=- user=\"nia\" method=USER attempts=1 "
      "failures=0 tls=none maildrop=- retr=1/5 top=0 dele=0 committed=no deleted=0 commands=5 bytes=41/56 end=fin "
      "gap=1 anomalies=[gap]\n" },
    { "gap_pass_verdict", STEPS(steps_gap_pass_verdict), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=USER user=\"ned\" authzid=- outcome=unknown exposure=cleartext "
      "password=\"pw\" response=- code=- valid=?\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=1 "
      "failures=0 tls=none maildrop=2/320 retr=0/0 top=0 dele=0 committed=no deleted=0 commands=3 bytes=25/27 "
      "end=fin gap=20 anomalies=[gap]\n" },
    { "gap_client", STEPS(steps_gap_client), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"ola\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=\"ola\" method=USER attempts=1 "
      "failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=4 bytes=44/31 end=fin "
      "gap=30 anomalies=[gap]\n" },
    { "auth_bad_base64", STEPS(steps_auth_bad_base64), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=LOGIN user=- authzid=- outcome=failure exposure=cleartext "
      "password=\"pass\" response=\"failed\" code=AUTH valid=no\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=1 "
      "failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=35/63 end=fin "
      "gap=0 anomalies=[bad_base64]\n" },
    { "attempt_slots", STEPS(steps_attempt_slots), 0, 0, END_FIN, false,
      "auth t=1002.000000 flow=7 #1 method=USER user=\"vic\" authzid=- outcome=unknown exposure=cleartext "
      "password=\"a\" response=- code=- valid=?\n"
      "auth t=1003.000000 flow=7 #2 method=USER user=\"vic\" authzid=- outcome=failure exposure=cleartext "
      "password=\"b\" response=\"2\" code=- valid=no\n"
      "auth t=1003.000000 flow=7 #3 method=USER user=\"vic\" authzid=- outcome=failure exposure=cleartext "
      "password=\"c\" response=\"3\" code=- valid=no\n"
      "auth t=1003.000000 flow=7 #4 method=USER user=\"vic\" authzid=- outcome=failure exposure=cleartext "
      "password=\"d\" response=\"4\" code=- valid=no\n"
      "auth t=1003.000000 flow=7 #5 method=USER user=\"vic\" authzid=- outcome=success exposure=cleartext "
      "password=\"e\" response=\"5\" code=- valid=yes\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=\"vic\" method=USER attempts=5 "
      "failures=3 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=6 bytes=50/55 end=fin "
      "gap=0 anomalies=[pipeline_overflow]\n" },
    { "end_pending_attempt", STEPS(steps_end_pending_attempt), 0, 0, END_TIMEOUT, false,
      "auth t=1004.000000 flow=7 #1 method=USER user=\"pat\" authzid=- outcome=unknown exposure=cleartext "
      "password=\"pw\" response=- code=- valid=?\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=1 "
      "failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=2 bytes=19/16 "
      "end=timeout gap=0 anomalies=[]\n" },
    { "pipeline_overflow", STEPS(steps_pipeline_overflow), 0, 2, END_FIN, false,
      "auth t=1002.000000 flow=7 #1 method=USER user=\"quinn\" authzid=- outcome=unknown exposure=cleartext "
      "password=\"pw\" response=- code=- valid=?\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=1 "
      "failures=0 tls=none maildrop=3/30 retr=0/0 top=0 dele=0 committed=no deleted=0 commands=6 bytes=45/46 end=fin "
      "gap=0 anomalies=[pipeline_overflow]\n" },
    { "implicit_tls", STEPS(steps_implicit_tls), 0, 0, END_FIN, true,
      "session start=1000.000000 end=1003.000000 flow=7 banner=- apop=- user=- method=- attempts=0 failures=0 "
      "tls=implicit maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=0 bytes=19/10 end=fin gap=0 "
      "anomalies=[]\n" },
    { "greeting_refused", STEPS(steps_greeting_refused), 0, 0, END_FIN, false,
      "session start=1000.000000 end=1002.000000 flow=7 banner=\"[SYS/TEMP] too many connections\" apop=- user=- "
      "method=- attempts=0 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=0 "
      "bytes=0/38 end=fin gap=0 anomalies=[]\n" },
    { "no_greeting", STEPS(steps_no_greeting), 0, 0, END_FIN, false,
      "session start=1000.000000 end=1007.000000 flow=7 banner=- apop=- user=- method=- attempts=0 failures=0 "
      "tls=none maildrop=- retr=1/7 top=0 dele=1 committed=yes deleted=1 commands=3 bytes=22/25 end=quit gap=0 "
      "anomalies=[no_greeting]\n" },
    { "client_after_quit", STEPS(steps_client_after_quit), 0, 0, END_FIN, false,
      "session start=1000.000000 end=1005.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=0 "
      "failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=2 bytes=12/16 end=quit "
      "gap=0 anomalies=[client_data_after_quit]\n" },
    { "nul_in_line", STEPS(steps_nul_in_line), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"r\\x00ot\" authzid=- outcome=failure exposure=none password=- "
      "response=\"no such user\" code=- valid=?\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=1 "
      "failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=11/30 end=fin "
      "gap=0 anomalies=[nul_in_line]\n" },
    { "bare_auth", STEPS(steps_bare_auth), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=PLAIN user=\"bob\" authzid=- outcome=success exposure=cleartext "
      "password=\"hunter2\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=\"bob\" method=PLAIN attempts=1 "
      "failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=3 bytes=41/44 end=fin "
      "gap=0 anomalies=[]\n" },
    { "top_and_args", STEPS(steps_top_and_args), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"sue\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1014.000000 flow=7 banner=\"ready\" apop=- user=\"sue\" method=USER attempts=1 "
      "failures=0 tls=none maildrop=1/120 retr=0/0 top=1 dele=0 committed=no deleted=0 commands=7 bytes=56/137 "
      "end=fin gap=0 anomalies=[]\n" },
    { "user_refused", STEPS(steps_user_refused), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"nobody\" authzid=- outcome=failure exposure=none password=- "
      "response=\"no such user\" code=AUTH valid=no\n"
      "auth t=1005.000000 flow=7 #2 method=USER user=- authzid=- outcome=failure exposure=none password=- "
      "response=\"no\" code=- valid=?\n"
      "auth t=1005.000000 flow=7 #3 method=USER user=\"uma\" authzid=- outcome=failure exposure=none password=- "
      "response=\"no\" code=- valid=?\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=3 "
      "failures=3 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=3 bytes=33/55 end=fin "
      "gap=0 anomalies=[]\n" },
    { "unexpected", STEPS(steps_unexpected), 0, 0, END_FIN, false,
      "session start=1000.000000 end=1005.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=0 "
      "failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=6/30 end=fin "
      "gap=0 anomalies=[unexpected_response]\n" },
    { "auth_ntlm", STEPS(steps_auth_ntlm), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=NTLM user=\"0UL5G37JOI0SX\" authzid=- outcome=failure exposure=hash "
      "password=\"aab8bf8675658dd2a939458a1077ba08010100000000000031c8aa092510945398b9f7b7dde1a9fb00000000f7876f2b04b"
      "700\" response=\"Authentication failed.\" code=AUTH valid=no realm=\"6VB1IS0KA74\" "
      "crack=\"0UL5G37JOI0SX::6VB1IS0KA74:ebe1afa18b7fbfa6:aab8bf8675658dd2a939458a1077ba08:010100000000000031c8aa092"
      "510945398b9f7b7dde1a9fb00000000f7876f2b04b700\"\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=1 "
      "failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=347/119 end=fin "
      "gap=0 anomalies=[]\n" },
    { "auth_oauthbearer", STEPS(steps_auth_oauthbearer), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=OAUTHBEARER user=\"user@example.com\" authzid=- outcome=failure "
      "exposure=token password=\"vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\" response=\"Invalid token\" code=AUTH "
      "valid=no\n"
      "auth t=1009.000000 flow=7 #2 method=OAUTHBEARER user=\"user@example.com\" authzid=- outcome=success "
      "exposure=token password=\"vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\" response=\"Logged in.\" code=- "
      "valid=yes\n"
      "session start=1000.000000 end=1010.000000 flow=7 banner=\"ready\" apop=- user=\"user@example.com\" "
      "method=OAUTHBEARER attempts=2 failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=2 bytes=341/234 end=fin gap=0 anomalies=[]\n" },
    { "auth_xoauth2", STEPS(steps_auth_xoauth2), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=XOAUTH2 user=\"someuser@example.com\" authzid=- outcome=success "
      "exposure=token password=\"ya29.vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg\" response=\"Welcome.\" code=- "
      "valid=yes\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"Gpop ready\" apop=- user=\"someuser@example.com\" "
      "method=XOAUTH2 attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=1 bytes=131/30 end=fin gap=0 anomalies=[]\n" },
    { "auth_scram_sha_256", STEPS(steps_auth_scram_sha_256), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=SCRAM-SHA-256 user=\"user\" authzid=- outcome=success exposure=hash "
      "password=\"dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=\" response=\"Logged in.\" code=- valid=yes\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=\"user\" method=SCRAM-SHA-256 "
      "attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 "
      "bytes=213/215 end=fin gap=0 anomalies=[]\n" },
    { "auth_digest_layer", STEPS(steps_auth_digest_layer), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=DIGEST-MD5 user=\"chris\" authzid=- outcome=success exposure=hash "
      "password=\"d388dad90d4bbd760a152321f2143af7\" response=\"Maildrop locked and ready\" code=- valid=yes "
      "realm=\"elwood.innosoft.com\"\n"
      "session start=1000.000000 end=1010.000000 flow=7 banner=\"ready\" apop=- user=\"chris\" method=DIGEST-MD5 "
      "attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 "
      "bytes=333/272 end=fin gap=0 anomalies=[]\n" },
    { "auth_gssapi_layer", STEPS(steps_auth_gssapi_layer), 0, 0, END_FIN, false,
      "auth t=1009.000000 flow=7 #1 method=GSSAPI user=- authzid=- outcome=success exposure=none password=- "
      "response=\"GSSAPI authentication successful\" code=- valid=yes\n"
      "session start=1000.000000 end=1012.000000 flow=7 banner=\"ready\" apop=- user=- method=GSSAPI attempts=1 "
      "failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=107/130 end=fin "
      "gap=0 anomalies=[]\n" },
    { "auth_gssapi_plain", STEPS(steps_auth_gssapi_plain), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=GSSAPI user=- authzid=- outcome=success exposure=none password=- "
      "response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=- method=GSSAPI attempts=1 "
      "failures=0 tls=none maildrop=1/100 retr=0/0 top=0 dele=0 committed=no deleted=0 commands=2 bytes=98/59 "
      "end=fin gap=0 anomalies=[]\n" },
    { "auth_anonymous_external", STEPS(steps_auth_anonymous_external), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=ANONYMOUS user=\"sirhc\" authzid=- outcome=failure exposure=none "
      "password=- response=\"Anonymous logins are not allowed\" code=SYS/PERM valid=?\n"
      "auth t=1005.000000 flow=7 #2 method=EXTERNAL user=- authzid=- outcome=failure exposure=none password=- "
      "response=\"Try later\" code=SYS/TEMP valid=?\n"
      "auth t=1009.000000 flow=7 #3 method=EXTERNAL user=- authzid=\"admin\" outcome=success exposure=none "
      "password=- response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1010.000000 flow=7 banner=\"ready\" apop=- user=- method=EXTERNAL attempts=3 "
      "failures=2 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=3 bytes=67/97 end=fin "
      "gap=0 anomalies=[]\n" },
    { "resp_codes_sasl", STEPS(steps_resp_codes_sasl), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=PLAIN user=\"alice\" authzid=- outcome=failure exposure=cleartext "
      "password=\"pw\" response=\"Minimum time between mail checks violation\" code=LOGIN-DELAY valid=?\n"
      "auth t=1007.000000 flow=7 #2 method=PLAIN user=\"alice\" authzid=- outcome=failure exposure=cleartext "
      "password=\"pw\" response=\"Mailbox locked by another session\" code=IN-USE valid=yes\n"
      "auth t=1009.000000 flow=7 #3 method=PLAIN user=\"alice\" authzid=- outcome=failure exposure=cleartext "
      "password=\"pw\" response=\"Account disabled\" code=sys/perm valid=?\n"
      "auth t=1011.000000 flow=7 #4 method=PLAIN user=\"alice\" authzid=- outcome=failure exposure=cleartext "
      "password=\"pw\" response=\"Too many connections\" code=- valid=?\n"
      "auth t=1013.000000 flow=7 #5 method=PLAIN user=\"alice\" authzid=- outcome=failure exposure=cleartext "
      "password=\"wrong\" response=\"Authentication failed\" code=AUTH valid=no\n"
      "session start=1000.000000 end=1014.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=5 "
      "failures=5 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=6 bytes=135/284 end=fin "
      "gap=0 stls_offered=no capa=[SASL,RESP-CODES,LOGIN-DELAY,AUTH-RESP-CODE] sasl=\"PLAIN\" impl=- anomalies=[]\n" },
    { "capa_rfc2449", STEPS(steps_capa_rfc2449), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=CRAM-MD5 user=\"tim\" authzid=- outcome=success exposure=hash "
      "password=\"b913a602c7eda7a495b4e6e7334d3890\" response=\"\" code=- valid=yes "
      "crack=\"$cram_md5$PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+$dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZ"
      "lNzMzNGQzODkw\"\n"
      "session start=1000.000000 end=1010.000000 flow=7 banner=\"POP3 server ready\" apop=- user=\"tim\" "
      "method=CRAM-MD5 attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
      "commands=3 bytes=77/293 end=fin gap=0 stls_offered=no "
      "capa=[TOP,USER,SASL,RESP-CODES,LOGIN-DELAY,PIPELINING,EXPIRE,UIDL,IMPLEMENTATION] sasl=\"CRAM-MD5 "
      "KERBEROS_V4\" impl=\"Shlemazle-Plotz-v302\" anomalies=[]\n" },
    { "banner_stls", STEPS(steps_banner_stls), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"wes\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"POP3 ready, STLS available\" apop=- user=\"wes\" "
      "method=USER attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=2 "
      "bytes=19/42 end=fin gap=0 stls_offered=yes capa=- sasl=- impl=- anomalies=[stls_offered_not_used]\n" },
    { "stls_used", STEPS(steps_stls_used), 0, 0, END_FIN, false,
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=0 "
      "failures=0 tls=stls maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=2 bytes=12/69 end=fin "
      "gap=0 stls_offered=yes capa=[SASL,STLS] sasl=\"PLAIN\" impl=- anomalies=[]\n" },
    { "utf8_lang", STEPS(steps_utf8_lang), 0, 0, END_FIN, false,
      "auth t=1013.000000 flow=7 #1 method=USER user=\"y\\xc3\\xbc\" authzid=- outcome=success exposure=cleartext "
      "password=\"p\\xc3\\xa4ss\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1014.000000 flow=7 banner=\"ready\" apop=- user=\"y\\xc3\\xbc\" method=USER "
      "attempts=1 failures=0 tls=none maildrop=2/300 retr=0/0 top=0 dele=0 committed=no deleted=0 commands=8 "
      "bytes=61/229 end=fin gap=0 stls_offered=no capa=[USER,UTF8,LANG] sasl=- impl=- anomalies=[]\n" },
    { "list_maildrop", STEPS(steps_list_maildrop), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"xia\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"Logged in.\" code=- valid=yes\n"
      "session start=1000.000000 end=1012.000000 flow=7 banner=\"ready\" apop=- user=\"xia\" method=USER attempts=1 "
      "failures=0 tls=none maildrop=3/1320 retr=0/0 top=0 dele=1 committed=no deleted=0 commands=6 bytes=45/166 "
      "end=fin gap=0 anomalies=[]\n" },
    { "login_maildrop_kept", STEPS(steps_login_maildrop_kept), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"zed\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"zed has 2 visible messages (0 hidden) in 320 octets.\" code=- valid=yes\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=\"zed\" method=USER attempts=1 "
      "failures=0 tls=none maildrop=2/320 retr=0/0 top=0 dele=1 committed=no deleted=0 commands=5 bytes=39/108 "
      "end=fin gap=0 anomalies=[]\n" },
    { "uidl_only", STEPS(steps_uidl_only), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"yan\" authzid=- outcome=success exposure=cleartext "
      "password=\"pw\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"yan\" method=USER attempts=1 "
      "failures=0 tls=none maildrop=2/- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=4 bytes=31/67 end=fin "
      "gap=0 anomalies=[]\n" },
    { "auth_gap_prompt", STEPS(steps_auth_gap_prompt), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=LOGIN user=\"carol\" authzid=- outcome=aborted exposure=none "
      "password=- response=\"Authentication aborted by client.\" code=- valid=?\n"
      "auth t=1011.000000 flow=7 #2 method=USER user=\"carol\" authzid=- outcome=success exposure=cleartext "
      "password=\"carol-pw\" response=\"Logged in.\" code=- valid=yes\n"
      "session start=1000.000000 end=1014.000000 flow=7 banner=\"ready\" apop=- user=\"carol\" method=USER "
      "attempts=2 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=4 "
      "bytes=58/106 end=quit gap=16 anomalies=[gap]\n" },
    { "auth_gap_verdict", STEPS(steps_auth_gap_verdict), 0, 0, END_FIN, false,
      "auth t=1006.000000 flow=7 #1 method=PLAIN user=\"bob\" authzid=- outcome=unknown exposure=cleartext "
      "password=\"pw\" response=- code=- valid=?\n"
      "session start=1000.000000 end=1010.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=1 "
      "failures=0 tls=none maildrop=2/30 retr=0/0 top=0 dele=0 committed=no deleted=0 commands=3 bytes=38/55 "
      "end=quit gap=16 anomalies=[gap]\n" },
    { "auth_login_client_gap", STEPS(steps_auth_login_client_gap), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=LOGIN user=- authzid=- outcome=success exposure=none password=- "
      "response=\"Logged in.\" code=- valid=yes\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=- method=LOGIN attempts=1 "
      "failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=42/59 end=fin "
      "gap=6 anomalies=[gap]\n" },
    { "auth_login_cut_line_gap", STEPS(steps_auth_login_cut_line_gap), 0, 0, END_FIN, false,
      "auth t=1008.000000 flow=7 #1 method=LOGIN user=- authzid=- outcome=failure exposure=none password=- "
      "response=\"failed\" code=AUTH valid=no\n"
      "session start=1000.000000 end=1009.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=1 "
      "failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=1 bytes=26/63 end=fin "
      "gap=6 anomalies=[gap]\n" },
    { "pipelined_client_gap", STEPS(steps_pipelined_client_gap), 0, 0, END_FIN, false,
      "auth t=1006.000000 flow=7 #1 method=USER user=- authzid=- outcome=unknown exposure=cleartext password=\"bob "
      "pw\" response=- code=- valid=?\n"
      "session start=1000.000000 end=1010.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=1 "
      "failures=0 tls=none maildrop=4/5500 retr=0/0 top=0 dele=0 committed=no deleted=0 commands=3 bytes=25/70 "
      "end=fin gap=10 stls_offered=no capa=[USER,PIPELINING] sasl=- impl=- anomalies=[gap]\n" },
    { "client_gap_in_step", STEPS(steps_client_gap_in_step), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=USER user=\"ann\" authzid=- outcome=success exposure=cleartext "
      "password=\"yes\" response=\"in\" code=- valid=yes\n"
      "session start=1000.000000 end=1008.000000 flow=7 banner=\"ready\" apop=- user=\"ann\" method=USER "
      "attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=2 "
      "bytes=20/40 end=fin gap=9 anomalies=[gap]\n" },
    { "auth_cancel_client_only", STEPS(steps_auth_cancel_client_only), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=LOGIN user=\"carol\" authzid=- outcome=unknown exposure=none "
      "password=- response=- code=- valid=?\n"
      "auth t=1007.000000 flow=7 #2 method=USER user=\"carol\" authzid=- outcome=unknown exposure=cleartext "
      "password=\"carol-pw\" response=- code=- valid=?\n"
      "session start=1000.000000 end=1007.000000 flow=7 banner=- apop=- user=- method=- attempts=2 failures=0 "
      "tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=4 bytes=58/0 end=fin gap=0 "
      "anomalies=[no_greeting]\n" },
    { "auth_command_client_only", STEPS(steps_auth_command_client_only), 0, 0, END_FIN, false,
      "auth t=1006.000000 flow=7 #1 method=PLAIN user=\"alice\" authzid=- outcome=unknown exposure=cleartext "
      "password=\"secret\" response=- code=- valid=?\n"
      "auth t=1006.000000 flow=7 #2 method=USER user=\"dan\" authzid=- outcome=unknown exposure=cleartext "
      "password=\"dan-pw\" response=- code=- valid=?\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=- apop=- user=- method=- attempts=2 failures=0 "
      "tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=3 bytes=63/0 end=fin gap=0 "
      "anomalies=[no_greeting]\n" },
    { "pipelined_plain_ir", STEPS(steps_pipelined_plain_ir), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=PLAIN user=\"alice\" authzid=- outcome=success "
      "exposure=cleartext password=\"secret\" response=\"Logged in.\" code=- valid=yes\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=\"alice\" method=PLAIN "
      "attempts=1 failures=0 tls=none maildrop=2/320 retr=1/5 top=1 dele=1 committed=yes deleted=1 "
      "commands=7 bytes=76/161 end=quit gap=0 anomalies=[]\n" },
    { "pipelined_login_noir", STEPS(steps_pipelined_login_noir), 0, 0, END_FIN, false,
      "auth t=1004.000000 flow=7 #1 method=LOGIN user=\"alice\" authzid=- outcome=success "
      "exposure=cleartext password=\"secret\" response=\"Logged in.\" code=- valid=yes\n"
      "session start=1000.000000 end=1005.000000 flow=7 banner=\"ready\" apop=- user=\"alice\" method=LOGIN "
      "attempts=1 failures=0 tls=none maildrop=1/10 retr=0/0 top=0 dele=0 committed=no deleted=0 commands=4 "
      "bytes=50/92 end=quit gap=0 anomalies=[]\n" },
    { "pipelined_cram_md5", STEPS(steps_pipelined_cram_md5), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=CRAM-MD5 user=\"tim\" authzid=- outcome=success exposure=hash "
      "password=\"b913a602c7eda7a495b4e6e7334d3890\" response=\"CRAM authentication successful\" code=- "
      "valid=yes "
      "crack=\"$cram_md5$PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+$dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\"\n"
      "session start=1000.000000 end=1006.000000 flow=7 banner=\"ready\" apop=- user=\"tim\" "
      "method=CRAM-MD5 attempts=1 failures=0 tls=none maildrop=3/30 retr=0/0 top=0 dele=0 committed=no "
      "deleted=0 commands=3 bytes=77/122 end=quit gap=0 anomalies=[]\n" },
    { "pipelined_auth_fail", STEPS(steps_pipelined_auth_fail), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=PLAIN user=\"alice\" authzid=- outcome=failure "
      "exposure=cleartext password=\"wrong\" response=\"Authentication failed.\" code=AUTH valid=no\n"
      "auth t=1003.000000 flow=7 #2 method=USER user=\"alice\" authzid=- outcome=success exposure=cleartext "
      "password=\"secret\" response=\"Logged in.\" code=- valid=yes\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=\"alice\" method=USER "
      "attempts=2 failures=1 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=4 "
      "bytes=60/91 end=fin gap=0 anomalies=[]\n" },
    { "pipelined_cancel", STEPS(steps_pipelined_cancel), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=LOGIN user=- authzid=- outcome=aborted exposure=none password=- "
      "response=\"Authentication aborted\" code=- valid=?\n"
      "auth t=1003.000000 flow=7 #2 method=USER user=\"alice\" authzid=- outcome=success exposure=cleartext "
      "password=\"secret\" response=\"Logged in.\" code=- valid=yes\n"
      "session start=1000.000000 end=1004.000000 flow=7 banner=\"ready\" apop=- user=\"alice\" method=USER "
      "attempts=2 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=3 "
      "bytes=40/77 end=fin gap=0 anomalies=[]\n" },
    { "snaplen_cut", STEPS(steps_snaplen_cut), 0, 0, END_FIN, false,
      "auth t=1005.000000 flow=7 #1 method=APOP user=\"mrose\" authzid=- outcome=success exposure=hash "
      "password=\"c4c9334bac56\" response=- code=- valid=yes\n"
      "session start=1000.000000 end=1017.000000 flow=7 banner=\"POP3 server ready "
      "<1896.697170952@dbc.mtview.ca.us>\" apop=\"<1896.697170952@dbc.mtview.ca.us>\" user=\"mrose\" "
      "method=APOP attempts=1 failures=0 tls=none maildrop=- retr=1/120 top=0 dele=0 committed=no deleted=0 "
      "commands=5 bytes=51/107 end=quit gap=195 anomalies=[gap,field_truncated]\n" },
    { "snaplen_verdicts", STEPS(steps_snaplen_verdicts), 0, 0, END_FIN, false,
      "auth t=1007.000000 flow=7 #1 method=USER user=\"ali\" authzid=- outcome=failure exposure=cleartext "
      "password=\"one\" response=- code=- valid=?\n"
      "auth t=1010.000000 flow=7 #2 method=USER user=\"ali\" authzid=- outcome=failure exposure=cleartext "
      "password=\"two\" response=- code=- valid=?\n"
      "auth t=1013.000000 flow=7 #3 method=USER user=\"ali\" authzid=- outcome=failure exposure=cleartext "
      "password=\"three\" response=\"Auth\" code=AUTH valid=no\n"
      "auth t=1016.000000 flow=7 #4 method=USER user=\"ali\" authzid=- outcome=unknown exposure=cleartext "
      "password=\"four\" response=- code=- valid=?\n"
      "auth t=1019.000000 flow=7 #5 method=USER user=\"ali\" authzid=- outcome=unknown exposure=cleartext "
      "password=\"five\" response=- code=- valid=?\n"
      "session start=1000.000000 end=1020.000000 flow=7 banner=\"ready\" apop=- user=- method=- attempts=5 "
      "failures=3 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 commands=6 bytes=62/47 "
      "end=fin gap=144 anomalies=[gap,field_truncated]\n" },
    { "snaplen_bodies", STEPS(steps_snaplen_bodies), 0, 0, END_FIN, false,
      "auth t=1003.000000 flow=7 #1 method=USER user=\"a\" authzid=- outcome=success exposure=cleartext "
      "password=\"b\" response=\"\" code=- valid=yes\n"
      "session start=1000.000000 end=1013.000000 flow=7 banner=\"ready\" apop=- user=\"a\" method=USER "
      "attempts=1 failures=0 tls=none maildrop=- retr=2/550 top=0 dele=1 committed=yes deleted=1 commands=6 "
      "bytes=46/158 end=quit gap=70 anomalies=[gap]\n" },
};

#define TEST_SCRIPT_COUNT (sizeof test_scripts / sizeof test_scripts[0])

#endif
