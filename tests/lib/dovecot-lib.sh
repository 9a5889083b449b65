# shellcheck shell=bash
# A private, throw-away Dovecot POP3 server on 127.0.0.1 for pop3scope's live
# tests and sample captures. Sourced by tests/live/e2e_dovecot.sh and
# samples/make-samples.sh; it never reads or changes /etc/dovecot.
#
# Everything lives in one temporary directory ($DOVECOT_DIR): configuration,
# self-signed certificate, passwd-file, maildirs, runtime sockets, log.
# Ports are the real ones (110 and 995) because pop3scope recognises POP3 by
# port first; if either is already taken we fail rather than pick another.
#
# Use:
#   . tests/lib/dovecot-lib.sh
#   trap dovecot_cleanup EXIT      # stops the server, removes the directory
#   dovecot_start                  # sets DOVECOT_DIR, starts, waits for ports
#   write_test_message FILE 1 40   # a message with dot-stuffable lines
#   deliver_message alice FILE     # becomes alice's next message
#   message_pop3_size FILE         # its POP3 size (CRLF octets)
#   lo_capture_start FILE.pcap     # tcpdump on lo, ports 110/995
#   ... clients ...
#   lo_capture_stop                # sets LO_CAPTURE_PACKETS
#
# dovecot_start takes a machine-wide lock (flock) so that two users of this
# library never share the ports or each other's captures; dovecot_cleanup
# (or the shell's exit) releases it.
#
# Callers may set before dovecot_start (or before dovecot_restart, which
# applies a changed setting to the running instance, mailboxes kept):
#   DOVECOT_AUTH_MECHS  auth_mechanisms (default: DOVECOT_DEFAULT_MECHS)
#   DOVECOT_OAUTH2=1    an oauth2 passdb for XOAUTH2/OAUTHBEARER that checks
#                       JWTs locally (HS256, key in DOVECOT_DIR/oauth2-keys);
#                       dovecot_oauth2_token USER [LIFETIME] mints a token
#   DOVECOT_KEEP_DIR=1  keep the temporary directory after dovecot_cleanup
#   DOVECOT_POP3_ALT_PORT  also serve plaintext POP3 on this port (empty: no)
#   LO_CAPTURE_FILTER   BPF filter of lo_capture_start (default: 110 and 995)
#   DOVECOT_LOCK_WAIT   seconds to wait for the lock (default 900: make -j2 check runs
#                       several dovecot tests at once, each holds it up to ~2 min)

DOVECOT_MAIL_USER=${DOVECOT_MAIL_USER:-pop3scope-test}
DOVECOT_POP3_PORT=110
DOVECOT_POP3S_PORT=995
# Dovecot 2.3.19 implements all of these; APOP, CRAM-MD5 and DIGEST-MD5 need
# the plaintext password in the passdb, which is why passwd uses {PLAIN}.
DOVECOT_DEFAULT_MECHS="plain login cram-md5 digest-md5 scram-sha-1 apop"
# What else this Dovecot can do without a network service: SCRAM-SHA-256,
# ANONYMOUS, and the two token mechanisms with DOVECOT_OAUTH2=1. Debian's
# build has no GSSAPI module, its NTLM needs Samba's winbind (ntlm_auth), and
# EXTERNAL needs a client certificate (so TLS: nothing to see).
# shellcheck disable=SC2034 # read by the scripts that source this file
DOVECOT_EXTRA_MECHS="scram-sha-256 anonymous xoauth2 oauthbearer"

# Test accounts. Bob's password has spaces on purpose: USER/PASS sends the
# rest of the line as the password (RFC 1939 §7), SASL PLAIN carries it as is.
DOVECOT_USERS=(alice bob carol)
declare -gA DOVECOT_PASSWORDS=(
    [alice]='alice-secret-1'
    [bob]='bob pass with spaces'
    [carol]='carol-pw'
)

DOVECOT_DIR=
DOVECOT_CONF=
DOVECOT_LOG=

dovecot_log_msg() {
    printf 'dovecot-lib: %s\n' "$*" >&2
}

# Print the server log, for failures.
dovecot_show_log() {
    if [ -n "$DOVECOT_LOG" ] && [ -s "$DOVECOT_LOG" ]; then
        dovecot_log_msg "---- $DOVECOT_LOG (last 60 lines) ----"
        tail -n 60 "$DOVECOT_LOG" >&2
        dovecot_log_msg "---- end of log ----"
    fi
}

# Reasons why the live tests cannot run here, empty when they can.
# The opening of every live test: a TAP skip naming what is missing (root,
# dovecot, tcpdump, and the commands given), a bail-out without the binary.
dovecot_test_prereqs() {
    local why c
    why=$(dovecot_missing_prereqs)
    for c in python3 timeout "$@"; do
        command -v "$c" >/dev/null 2>&1 || why="${why:+$why; }$c not installed"
    done
    [ -z "$why" ] || tap_skip_all "$why"
    if [ ! -x "$POP3SCOPE" ]; then
        echo "Bail out! $POP3SCOPE is missing or not executable (build it first)"
        exit 1
    fi
}

# dovecot_test_workdir NAME: a private $work directory for a live test, and
# the traps that stop the capture and the server and remove it at exit.
dovecot_test_workdir() {
    work=$(mktemp -d "/tmp/pop3scope-$1.XXXXXX") || exit 1
    trap dovecot_test_cleanup EXIT
    trap 'exit 130' INT TERM HUP
}

dovecot_test_cleanup() {
    lo_capture_stop
    dovecot_cleanup
    rm -rf "$work"
}

dovecot_missing_prereqs() {
    local why=""
    [ "$(id -u)" = 0 ] || why="$why not root;"
    command -v dovecot >/dev/null 2>&1 || why="$why dovecot not installed;"
    command -v doveconf >/dev/null 2>&1 || why="$why doveconf not installed;"
    command -v openssl >/dev/null 2>&1 || why="$why openssl not installed;"
    command -v tcpdump >/dev/null 2>&1 || why="$why tcpdump not installed;"
    command -v ss >/dev/null 2>&1 || why="$why ss (iproute2) not installed;"
    command -v flock >/dev/null 2>&1 || why="$why flock (util-linux) not installed;"
    id dovecot >/dev/null 2>&1 || why="$why system user dovecot missing;"
    id dovenull >/dev/null 2>&1 || why="$why system user dovenull missing;"
    why=${why# }
    printf '%s' "${why%;}"
}

# Dovecot refuses to deliver mail as root, so mailboxes belong to a dedicated
# system user, created once.
dovecot_ensure_user() {
    if ! id "$DOVECOT_MAIL_USER" >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home \
            --home-dir /nonexistent --shell /usr/sbin/nologin \
            "$DOVECOT_MAIL_USER" || {
            dovecot_log_msg "cannot create user $DOVECOT_MAIL_USER"
            return 1
        }
    fi
}

# True when something listens on TCP port $1 on any address.
port_in_use() {
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# wait_port PORT [TENTHS]: wait until a listener is bound to PORT. Looks at
# the socket table instead of connecting, so no probe connection ends up in
# a capture.
wait_port() {
    local port=$1 tries=${2:-50}
    while [ "$tries" -gt 0 ]; do
        port_in_use "$port" && return 0
        sleep 0.1
        tries=$((tries - 1))
    done
    dovecot_log_msg "nothing listens on port $port"
    return 1
}

# wait_port_free PORT: wait until nothing listens on PORT any more.
wait_port_free() {
    local port=$1 tries=50
    while port_in_use "$port"; do
        if [ "$tries" -le 0 ]; then
            dovecot_log_msg "port $port is still in use"
            return 1
        fi
        sleep 0.1
        tries=$((tries - 1))
    done
}

dovecot_make_cert() {
    # ECDSA P-256: quick to generate and a small TLS handshake in the pcaps.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -nodes -days 3 -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
        -keyout "$DOVECOT_DIR/key.pem" -out "$DOVECOT_DIR/cert.pem" \
        >/dev/null 2>&1 || {
        dovecot_log_msg "openssl could not make a certificate"
        return 1
    }
    chmod 600 "$DOVECOT_DIR/key.pem"
}

dovecot_write_passwd() {
    local u f="$DOVECOT_DIR/passwd"
    : >"$f"
    for u in "${DOVECOT_USERS[@]}"; do
        printf '%s:{PLAIN}%s\n' "$u" "${DOVECOT_PASSWORDS[$u]}" >>"$f"
    done
    # Read by the auth worker, which runs as the dovecot user.
    chown root:dovecot "$f"
    chmod 640 "$f"
}

# The HMAC key Dovecot checks tokens with (oauth2 local validation looks it
# up in a dict as shared/<azp>/<alg>/<kid>, base64; the fs dict stores a
# shared/ key as a file under the prefix without "shared/") and the passdb
# settings.
dovecot_write_oauth2() {
    local keydir=$DOVECOT_DIR/oauth2-keys/default/HS256
    mkdir -p "$keydir"
    [ -s "$DOVECOT_DIR/oauth2.key" ] || openssl rand -base64 32 >"$DOVECOT_DIR/oauth2.key" || return 1
    cp "$DOVECOT_DIR/oauth2.key" "$keydir/default"
    chown -R root:dovecot "$DOVECOT_DIR/oauth2-keys"
    chmod -R g+rX "$DOVECOT_DIR/oauth2-keys"
    cat >"$DOVECOT_DIR/oauth2.conf.ext" <<EOF
introspection_mode = local
local_validation_key_dict = fs:posix:prefix=$DOVECOT_DIR/oauth2-keys/
username_attribute = sub
EOF
}

# The passdb block for DOVECOT_OAUTH2=1; empty otherwise.
dovecot_oauth2_passdb() {
    [ "${DOVECOT_OAUTH2:-0}" = 1 ] || return 0
    cat <<EOF
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $DOVECOT_DIR/oauth2.conf.ext
}
EOF
}

# dovecot_oauth2_token USER [LIFETIME]: a JWT (HS256) for USER, valid for
# LIFETIME seconds from now (default 3600; a negative one gives an expired
# token, which Dovecot refuses).
dovecot_oauth2_token() {
    python3 "$SRCDIR/tests/lib/oauth2_token.py" "$1" "${2:-3600}" "$DOVECOT_DIR/oauth2.key"
}

# POP3 on a port that does not say so (DOVECOT_POP3_ALT_PORT), for a sample
# where pop3scope must find it by its own probe.
dovecot_alt_listener() {
    [ -n "${DOVECOT_POP3_ALT_PORT:-}" ] || return 0
    printf '  inet_listener pop3-alt {\n    address = 127.0.0.1\n    port = %s\n  }\n' "$DOVECOT_POP3_ALT_PORT"
}

dovecot_write_conf() {
    local uid
    uid=$(id -u "$DOVECOT_MAIL_USER")
    if [ "${DOVECOT_OAUTH2:-0}" = 1 ]; then
        dovecot_write_oauth2 || return 1
    fi
    cat >"$DOVECOT_CONF" <<EOF
# Private pop3scope test instance; generated by tests/lib/dovecot-lib.sh.
base_dir = $DOVECOT_DIR/run
state_dir = $DOVECOT_DIR/state
log_path = $DOVECOT_LOG
info_log_path = $DOVECOT_LOG
protocols = pop3
listen = 127.0.0.1
login_greeting = pop3scope test server ready
shutdown_clients = yes

ssl = yes
ssl_cert = <$DOVECOT_DIR/cert.pem
ssl_key = <$DOVECOT_DIR/key.pem
disable_plaintext_auth = no

auth_mechanisms = ${DOVECOT_AUTH_MECHS:-$DOVECOT_DEFAULT_MECHS}
auth_verbose = yes
# Failed logins answer soon (Dovecot still batches them every 0.5 s): the
# tests want speed, not tarpitting.
auth_failure_delay = 0
first_valid_uid = $uid
last_valid_uid = $uid

mail_location = maildir:$DOVECOT_DIR/mail/%u
pop3_uidl_format = %08Xu%08Xv
# A second session on a locked mailbox is refused with -ERR [IN-USE]
# (RFC 2449 §8.1.2) instead of being let in; LAST (RFC 1460) is answered.
pop3_lock_session = yes
pop3_enable_last = yes

$(dovecot_oauth2_passdb)
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DOVECOT_DIR/passwd
}
userdb {
  driver = static
  args = uid=$DOVECOT_MAIL_USER gid=$DOVECOT_MAIL_USER home=$DOVECOT_DIR/home/%u
}

service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $DOVECOT_POP3_PORT
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $DOVECOT_POP3S_PORT
    ssl = yes
  }
$(dovecot_alt_listener)
}
# No per-IP auth penalty: after one failure Dovecot would delay every
# login from 127.0.0.1 by 2-15 s. An auth process that cannot open this
# socket runs without penalties. (login_trusted_networks would also skip
# it, but adds an [XCLIENT] code to the greeting, which real servers facing
# real clients do not send.)
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = 0
  }
}
EOF
}

DOVECOT_LOCK_FILE=${DOVECOT_LOCK_FILE:-/tmp/pop3scope-dovecot.lock}
DOVECOT_LOCK_FD=

# Ports 110/995 and the loopback capture are machine-wide: two runs at once
# (make -j check in two build trees, or make-samples.sh during a test) would
# collide or see each other's traffic. The lock is held until the shell that
# took it exits or calls dovecot_cleanup; children we start close it.
dovecot_lock() {
    [ -n "$DOVECOT_LOCK_FD" ] && return 0
    exec {DOVECOT_LOCK_FD}>>"$DOVECOT_LOCK_FILE" || return 1
    if ! flock -w "${DOVECOT_LOCK_WAIT:-900}" "$DOVECOT_LOCK_FD"; then
        dovecot_log_msg "another run holds $DOVECOT_LOCK_FILE (waited ${DOVECOT_LOCK_WAIT:-900} s)"
        exec {DOVECOT_LOCK_FD}>&-
        DOVECOT_LOCK_FD=
        return 1
    fi
}

dovecot_unlock() {
    [ -n "$DOVECOT_LOCK_FD" ] || return 0
    exec {DOVECOT_LOCK_FD}>&-
    DOVECOT_LOCK_FD=
}

# dovecot_start: make the directory, config, certificate and accounts, then
# start the master process and wait for both listeners.
dovecot_start() {
    local why u
    why=$(dovecot_missing_prereqs)
    if [ -n "$why" ]; then
        dovecot_log_msg "cannot run: $why"
        return 1
    fi
    dovecot_lock || return 1
    for u in "$DOVECOT_POP3_PORT" "$DOVECOT_POP3S_PORT" ${DOVECOT_POP3_ALT_PORT:-}; do
        if port_in_use "$u"; then
            dovecot_log_msg "port $u is already in use; stop whatever listens there:"
            ss -Hltnp "sport = :$u" >&2
            return 1
        fi
    done
    dovecot_ensure_user || return 1

    DOVECOT_DIR=$(mktemp -d /tmp/pop3scope-dovecot.XXXXXX) || return 1
    # The mail user and Dovecot's unprivileged processes must traverse it.
    chmod 755 "$DOVECOT_DIR"
    DOVECOT_CONF=$DOVECOT_DIR/dovecot.conf
    DOVECOT_LOG=$DOVECOT_DIR/dovecot.log
    mkdir -p "$DOVECOT_DIR/run" "$DOVECOT_DIR/state" "$DOVECOT_DIR/mail" "$DOVECOT_DIR/home"
    chown "$DOVECOT_MAIL_USER:" "$DOVECOT_DIR/mail" "$DOVECOT_DIR/home"
    : >"$DOVECOT_LOG"

    dovecot_make_cert || return 1
    dovecot_write_passwd
    for u in "${DOVECOT_USERS[@]}"; do
        dovecot_reset_mailbox "$u"
    done
    dovecot_launch
}

# Writes the configuration from the current settings, starts the master and
# waits for both listeners.
dovecot_launch() {
    dovecot_write_conf || return 1
    if ! doveconf -c "$DOVECOT_CONF" -n >"$DOVECOT_DIR/doveconf.out" 2>&1; then
        dovecot_log_msg "doveconf rejects $DOVECOT_CONF:"
        cat "$DOVECOT_DIR/doveconf.out" >&2
        return 1
    fi
    if ! dovecot -c "$DOVECOT_CONF" >"$DOVECOT_DIR/start.out" 2>&1 {DOVECOT_LOCK_FD}>&-; then
        dovecot_log_msg "dovecot did not start:"
        cat "$DOVECOT_DIR/start.out" >&2
        dovecot_show_log
        return 1
    fi
    if ! wait_port "$DOVECOT_POP3_PORT" || ! wait_port "$DOVECOT_POP3S_PORT" ||
        { [ -n "${DOVECOT_POP3_ALT_PORT:-}" ] && ! wait_port "$DOVECOT_POP3_ALT_PORT"; }; then
        dovecot_show_log
        dovecot_stop
        return 1
    fi
}

# dovecot_restart: the running instance again with the current settings
# (DOVECOT_AUTH_MECHS, DOVECOT_OAUTH2); directory, certificate, accounts and
# mailboxes stay. A reload would apply them asynchronously; a restart is
# done when the ports are back.
dovecot_restart() {
    local u
    [ -n "$DOVECOT_DIR" ] || return 1
    dovecot_stop
    for u in "$DOVECOT_POP3_PORT" "$DOVECOT_POP3S_PORT" ${DOVECOT_POP3_ALT_PORT:-}; do
        wait_port_free "$u" || return 1
    done
    dovecot_launch
}

dovecot_master_pid() {
    local f="$DOVECOT_DIR/run/master.pid"
    [ -n "$DOVECOT_DIR" ] && [ -s "$f" ] && cat "$f"
}

# dovecot_stop: stop this instance only (its own master pid) and wait for
# the master to exit, which closes the listeners, so a next start does not
# race with it.
dovecot_stop() {
    local pid tries=50
    pid=$(dovecot_master_pid) || return 0
    [ -n "$pid" ] || return 0
    dovecot -c "$DOVECOT_CONF" stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null
    while kill -0 "$pid" 2>/dev/null && [ "$tries" -gt 0 ]; do
        sleep 0.1
        tries=$((tries - 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        dovecot_log_msg "dovecot master $pid did not stop; killing it"
        kill -9 "$pid" 2>/dev/null
    fi
    rm -f "$DOVECOT_DIR/run/master.pid"
}

# For traps: stop the server, remove the directory, release the lock.
dovecot_cleanup() {
    dovecot_stop
    if [ -n "$DOVECOT_DIR" ] && [ -d "$DOVECOT_DIR" ] && [ "${DOVECOT_KEEP_DIR:-0}" != 1 ]; then
        rm -rf "$DOVECOT_DIR"
    fi
    dovecot_unlock
}

dovecot_maildir() {
    printf '%s/mail/%s' "$DOVECOT_DIR" "$1"
}

# dovecot_reset_mailbox USER: an empty maildir, no index or UID state left
# over, so message numbers start at 1 again.
dovecot_reset_mailbox() {
    local dir
    dir=$(dovecot_maildir "$1")
    [ -n "$DOVECOT_DIR" ] || return 1
    rm -rf "$dir"
    mkdir -p "$dir/new" "$dir/cur" "$dir/tmp"
    chown -R "$DOVECOT_MAIL_USER:" "$dir"
    chmod -R 700 "$dir"
}

DOVECOT_DELIVERED=0

# deliver_message USER FILE: put FILE into USER's maildir as a new message.
# Maildir stores LF line ends; Dovecot sends CRLF, so the POP3 size of the
# message is the file size plus one per LF (see message_pop3_size). Files are
# delivered in call order: the first becomes message 1.
deliver_message() {
    local user=$1 file=$2 dir name
    dir=$(dovecot_maildir "$user")
    [ -d "$dir/new" ] || dovecot_reset_mailbox "$user" || return 1
    DOVECOT_DELIVERED=$((DOVECOT_DELIVERED + 1))
    # Maildir names sort by time first; a fixed increasing prefix keeps the
    # delivery order even within one second.
    name=$(printf '%010d.M%06dP%d.pop3scope' "$(date +%s)" "$DOVECOT_DELIVERED" "$$")
    tr -d '\r' <"$file" >"$dir/tmp/$name" || return 1
    chown "$DOVECOT_MAIL_USER:" "$dir/tmp/$name"
    chmod 600 "$dir/tmp/$name"
    mv "$dir/tmp/$name" "$dir/new/$name"
}

# message_pop3_size FILE: the octets a POP3 server reports (and sends,
# un-stuffed) for FILE: CRLF line ends, as Dovecot presents a LF maildir file.
message_pop3_size() {
    local bytes lfs
    bytes=$(tr -d '\r' <"$1" | wc -c)
    lfs=$(tr -d '\r' <"$1" | tr -cd '\n' | wc -c)
    printf '%d\n' $((bytes + lfs))
}

# write_test_message FILE INDEX LINES: a plain RFC 5322 message whose body has
# LINES lines, some of which start with "." so that RETR must dot-stuff them
# (RFC 1939 §3): a lone ".", a ".." and a ".text" line.
write_test_message() {
    local file=$1 idx=$2 lines=${3:-5} i
    {
        printf 'From: Sender %d <sender%d@example.test>\n' "$idx" "$idx"
        printf 'To: pop3scope test <test@example.test>\n'
        printf 'Subject: pop3scope sample message %d\n' "$idx"
        printf 'Date: Thu, 26 Nov 2026 05:00:%02d +0000\n' "$((idx % 60))"
        printf 'Message-ID: <sample-%d@pop3scope.test>\n' "$idx"
        printf 'MIME-Version: 1.0\n'
        printf 'Content-Type: text/plain; charset=us-ascii\n'
        printf '\n'
        printf 'Hello, this is test message %d.\n' "$idx"
        printf '.\n'
        printf '.. two dots at the start of this line\n'
        printf '.leading dot line, stuffed on the wire\n'
        for ((i = 1; i <= lines; i++)); do
            printf 'Line %04d of message %d: the quick brown fox jumps over the lazy dog.\n' "$i" "$idx"
        done
        printf '.\n'
        printf 'End of message %d.\n' "$idx"
    } >"$file"
}

# ------------------------------------------------------------ capture on lo

LO_CAPTURE_PID=
LO_CAPTURE_FILE=
LO_CAPTURE_ERR=
# shellcheck disable=SC2034 # read by the scripts that source this file
LO_CAPTURE_PACKETS=0

# lo_capture_start FILE: tcpdump on lo, POP3 ports only, into FILE; returns
# once tcpdump says it is listening, so the client's SYN is not lost.
# -Z root: Debian's tcpdump otherwise drops to user tcpdump before it opens
# the output file. --immediate-mode: without it libpcap holds packets in the
# kernel ring until a block fills or a timeout passes, and those still held
# when tcpdump is stopped are lost (a short session vanished entirely).
# -U: each packet goes to the file as soon as it is delivered.
lo_capture_start() {
    local tries=50 err
    LO_CAPTURE_FILE=$1
    LO_CAPTURE_ERR=$(mktemp /tmp/pop3scope-tcpdump.XXXXXX) || return 1
    err=$LO_CAPTURE_ERR
    rm -f "$LO_CAPTURE_FILE"
    tcpdump -i lo -U --immediate-mode -Z root -w "$LO_CAPTURE_FILE" \
        "${LO_CAPTURE_FILTER:-tcp port 110 or tcp port 995}" 2>"$err" {DOVECOT_LOCK_FD}>&- &
    LO_CAPTURE_PID=$!
    while ! grep -q 'listening on' "$err"; do
        if ! kill -0 "$LO_CAPTURE_PID" 2>/dev/null || [ "$tries" -le 0 ]; then
            dovecot_log_msg "tcpdump did not start:"
            cat "$err" >&2
            lo_capture_stop
            return 1
        fi
        sleep 0.1
        tries=$((tries - 1))
    done
}

# lo_capture_stop: let the last FIN/ACKs reach the capture, stop tcpdump
# with SIGINT (it flushes and closes the file), wait for it, and set
# LO_CAPTURE_PACKETS to the number of packets in the file. Safe to call when
# no capture runs (for traps). Never call it in $(...): the wait and the
# cleared pid must happen in this shell, not a subshell.
lo_capture_stop() {
    [ -n "$LO_CAPTURE_PID" ] || return 0
    sleep 0.5
    kill -INT "$LO_CAPTURE_PID" 2>/dev/null
    wait "$LO_CAPTURE_PID" 2>/dev/null
    LO_CAPTURE_PID=
    # A capture that lost packets explains a failure better than any
    # analyzer theory: keep tcpdump's own count for the test's diagnostics.
    # shellcheck disable=SC2034
    LO_CAPTURE_DROPS=$(sed -n 's/^\([0-9]*\) packets* dropped by kernel.*/\1/p' "$LO_CAPTURE_ERR" | head -1)
    rm -f "$LO_CAPTURE_ERR"
    # shellcheck disable=SC2034
    LO_CAPTURE_PACKETS=$(tcpdump -nr "$LO_CAPTURE_FILE" 2>/dev/null | wc -l)
}
