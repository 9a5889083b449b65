#!/usr/bin/env bash
# A real tcpdump -C rotation (issue 16: "a capture rotated by tcpdump -C
# gives the same events however the shell orders its files"). Real clients
# (python3 poplib, curl, mpop) fetch ~14 MB of mail from a private Dovecot
# on 127.0.0.1 while two tcpdumps record lo: one with -C 1 (a new file every
# 1,000,000 bytes: cap, cap1, ... cap10 ..., so the glob order cap cap1 cap10
# cap11 cap2 is not the time order), one whole. Then:
#  (1) pop3scope --json on the files in glob order, in reverse order and in
#      ls -tr order: byte-identical output;
#  (2) the same events as the whole capture once the evidence keys that name
#      a file or frame are dropped (tests/live/rotation_check.py);
#  (3) --keep-order in glob order warns that the files overlap in time and
#      gives other events: the sort by first packet is what makes (1) hold;
#  (4) each session's retr_count/retr_octets (and maildrop) equal what its
#      client fetched. Needs root, dovecot, tcpdump, curl, mpop, mergecap,
# python3.
set -u
testlib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$testlib/lib.sh"
. "$testlib/dovecot-lib.sh"

dovecot_test_prereqs curl mpop mergecap
dovecot_test_workdir rotation
rot_pids=()
rot_errs=()
# The events without the keys that name a file or a frame in it.
strip='
import json, sys
for line in sys.stdin:
    ev = json.loads(line)
    for k in ("capture_file", "reply_file", "command_frame", "reply_frame", "end_file"):
        ev.pop(k, None)
    print(json.dumps(ev, sort_keys=True))'

rot_stop() { # SIGINT: tcpdump writes what it holds and closes its file
    local pid
    for pid in "${rot_pids[@]}"; do kill -INT "$pid" 2>/dev/null; done
    for pid in "${rot_pids[@]}"; do wait "$pid" 2>/dev/null; done
    rot_pids=()
}
trap 'rot_stop; dovecot_test_cleanup' EXIT

if ! dovecot_start >"$work/dovecot-start.log" 2>&1; then
    echo "Bail out! could not start the private dovecot"
    tap_diag <"$work/dovecot-start.log"
    exit 1
fi

# Mailboxes of 1.1-1.9 MB messages (write_test_message: ~77 bytes a line,
# some lines dot-stuffed on the wire), ~14 MB fetched in all.
n=0
for spec in alice:21000 alice:15000 alice:24000 alice:18000 bob:19000 bob:16000 bob:22000 carol:23000 carol:14000; do
    n=$((n + 1))
    write_test_message "$work/m$n" "$n" "${spec#*:}"
    deliver_message "${spec%:*}" "$work/m$n"
done

# rot_capture FILE [TCPDUMP-ARGS]: like lo_capture_start, for two at once.
# -B 65536 (KiB): the whole traffic fits in the kernel buffer, so neither
# capture drops a packet while the other competes for the two cores.
rot_capture() {
    local file=$1 err=$work/tcpdump-${1##*/}.err tries=50
    shift
    tcpdump -i lo -U --immediate-mode -B 65536 -Z root "$@" -w "$file" "tcp port $DOVECOT_POP3_PORT" \
        2>"$err" {DOVECOT_LOCK_FD}>&- &
    rot_pids+=($!)
    rot_errs+=("$err")
    until grep -q 'listening on' "$err"; do
        if [ "$tries" -le 0 ] || ! kill -0 "${rot_pids[-1]}" 2>/dev/null; then
            echo "Bail out! tcpdump did not start"
            tap_diag <"$err"
            exit 1
        fi
        sleep 0.1
        tries=$((tries - 1))
    done
}
mkdir "$work/rot"
rot_capture "$work/rot/cap" -C 1
rot_capture "$work/whole.pcap"

# Each client adds one JSON line to clients.json: what it fetched, and its
# port where it can say (the checker finds its session event by it).
clients=$work/clients.json
: >"$clients"
poplib() { timeout 30 python3 "$SRCDIR/tests/live/rotation_client.py" "$@" >>"$clients" 2>>"$work/clients.err"; }
curl_retr() { # USER PASSWORD N
    local port size
    port=$(timeout 30 curl -s -w '%{local_port}' -o "$work/curl.out" -u "$1:$2" "pop3://127.0.0.1/$3" 2>>"$work/clients.err")
    case $? in
        0) size=$(stat -c %s "$work/curl.out") && echo "{\"client\":\"curl\",\"user\":\"$1\",\"port\":$port,\"retr\":[$size]}" >>"$clients" ;;
        67) echo "{\"client\":\"curl\",\"user\":\"$1\",\"port\":$port,\"login\":\"failed\"}" >>"$clients" ;;
        *) echo "curl $1 $3 failed" >>"$work/clients.err" ;;
    esac
}

poplib alice "${DOVECOT_PASSWORDS[alice]}" 1 2 3 4 # ~6 MB in one session: crosses files
poplib bob "not bob's password"                    # a failed login
curl_retr bob "${DOVECOT_PASSWORDS[bob]}" 1
curl_retr bob "${DOVECOT_PASSWORDS[bob]}" 3
curl_retr carol "not-carols-password" 1 # another failed login (CRAM-MD5)
# mpop pipelines its commands and keeps the mail (--keep): a third client.
mkdir -p "$work/maildir/new" "$work/maildir/cur" "$work/maildir/tmp"
if timeout 30 mpop -q --host=127.0.0.1 --port="$DOVECOT_POP3_PORT" --tls=off --auth=user --user=carol \
    --passwordeval="echo ${DOVECOT_PASSWORDS[carol]}" --keep=on --only-new=off --received-header=off \
    --uidls-file="$work/mpop-uidls" --delivery="maildir,$work/maildir" >>"$work/clients.err" 2>&1; then
    # mpop stores LF line ends: the POP3 size is bytes plus one per LF.
    sizes=$(for f in "$work"/maildir/new/*; do message_pop3_size "$f"; done | paste -sd,)
    echo "{\"client\":\"mpop\",\"user\":\"carol\",\"retr\":[$sizes]}" >>"$clients"
else
    echo "mpop failed" >>"$work/clients.err"
fi
poplib bob "${DOVECOT_PASSWORDS[bob]}" 2 3 # after the failures: two more RETRs

sleep 0.5 # the last FIN/ACKs reach both captures
rot_stop
drops=0
for err in "${rot_errs[@]}"; do
    d=$(sed -n 's/^\([0-9]*\) packets* dropped by kernel.*/\1/p' "$err" | head -1)
    drops=$((drops + ${d:-1})) # no count said: count it as a drop
done

cd "$work/rot" || exit 1
files=$(ls cap* | wc -l)
tap_check "all 7 clients ran ($(wc -l <"$clients") reported)" eval '[ "$(wc -l <"$clients")" = 7 ] && [ ! -s "$work/clients.err" ]'
tap_check "tcpdump -C 1 rotated $((files - 1)) times (cap ... cap$((files - 1))), neither capture dropped a packet ($drops)" \
    eval '[ "$files" -ge 12 ] && [ "$drops" = 0 ]'
tap_check "the glob order is not the time order (cap10 sorts before cap2)" \
    eval '[ "$(printf "%s\n" cap* | sed -n 3p)" = cap10 ]'

# (1) three orders, one output. File names as given (relative), so
# capture_file is the same string in all three.
"$POP3SCOPE" --json cap* >"$work/glob.json" 2>"$work/glob.err"
st_glob=$?
# shellcheck disable=SC2046 # the names are cap, cap1, ...: no spaces
"$POP3SCOPE" --json $(printf '%s\n' cap* | sort -r) >"$work/rev.json" 2>"$work/rev.err"
st_rev=$?
# shellcheck disable=SC2046,SC2012
"$POP3SCOPE" --json $(ls -tr) >"$work/lstr.json" 2>"$work/lstr.err"
st_lstr=$?
"$POP3SCOPE" --json "$work/whole.pcap" >"$work/whole.json" 2>"$work/whole.err"
# The rotated files end to end in time order: the same packets and stamps as
# cap*, one file (rotation_check.py compares with it exactly).
# shellcheck disable=SC2046
mergecap -a -F pcap -w "$work/joined.pcap" $(printf '%s\n' cap* | sort -V) && "$POP3SCOPE" --json "$work/joined.pcap" >"$work/joined.json"
tap_check "pop3scope on the rotated files: exit 0 and no message in glob, reverse and ls -tr order" \
    eval '[ $st_glob$st_rev$st_lstr = 000 ] && [ ! -s "$work/glob.err" ] && [ ! -s "$work/rev.err" ] && [ ! -s "$work/lstr.err" ]'
tap_check "glob order and reverse order: the same JSON, byte for byte" \
    eval '[ -s "$work/glob.json" ] && cmp -s "$work/glob.json" "$work/rev.json"'
tap_check "glob order and ls -tr order: the same JSON, byte for byte" cmp -s "$work/glob.json" "$work/lstr.json"

# (3) without the sort: the shell's order, and the warnings that say so.
"$POP3SCOPE" --json --keep-order cap* >"$work/keep.json" 2>"$work/keep.err"
# Every one of cap2..cap9 begins before each of cap10.. ends.
pairs=$((8 * (files - 10)))
notes=$((pairs > 20 ? 21 : pairs))
tap_check "--keep-order in glob order: cap2 begins before cap10 ends, $notes notes ($pairs overlapping pairs, 20 listed)" \
    eval 'grep -q "^pop3scope: cap10 and cap2 overlap in time" "$work/keep.err" &&
          [ "$(wc -l <"$work/keep.err")" = "$notes" ]'
tap_check "--keep-order in glob order: other JSON than the sorted run" eval '! cmp -s "$work/glob.json" "$work/keep.json"'
tap_diag <"$work/keep.err" | head -3

# (2) and (4)
PYTHONPATH="$testlib" timeout 60 python3 "$SRCDIR/tests/live/rotation_check.py" "$work" >"$work/check.tap" 2>&1
check_status=$?
while IFS= read -r line; do
    case $line in
        ok\ *) tap_ok "${line#ok * - }" ;;
        not\ ok\ *) tap_not_ok "${line#not ok * - }" ;;
        '#'*) echo "$line" ;;
    esac
done <"$work/check.tap"
[ "$check_status" -le 1 ] || tap_not_ok "the checker itself failed (status $check_status)"

# (3) again, on events: the unsorted run loses what the sorted one finds.
tap_check "--keep-order in glob order: not the whole capture's events (what the sort fixes)" \
    eval '! cmp -s <(python3 -c "$strip" <"$work/keep.json" 2>/dev/null) <(python3 -c "$strip" <"$work/joined.json" 2>/dev/null)'

tap_plan "$tap_count"
if ! tap_done; then
    echo "# clients:"
    tap_diag <"$clients"
    tap_diag <"$work/clients.err"
    ls -l --time-style=+%T.%N "$work/rot" | tap_diag
fi
tap_done
