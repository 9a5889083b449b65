#!/usr/bin/env bash
# The whole test suite, twice:
#   build/           the ordinary build (gcc), `make check`;
#   build-sanitize/  the same suite built with ASan + UBSan (--enable-sanitizers),
#                    with clang and --enable-fuzz when clang's libFuzzer is
#                    installed, in which case `make fuzz-smoke` also runs each
#                    fuzz harness for FUZZ_SECONDS (default 20) seconds.
# Ends with one line "N passed, N failed, N skipped" counting every test case
# of both builds (each cmocka case and each TAP line of the script tests) and
# each fuzz harness. SANITIZE=0 skips the second build (a quick local run).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -x configure ] || ./autogen.sh >/dev/null
if [ -f config.status ]; then
    # automake refuses an out-of-tree build of a tree configured in place.
    echo "the source tree is configured in place: run 'make distclean' here first (the suite builds in build/)"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi
jobs=$(nproc 2>/dev/null || echo 2)
pass=0 fail=0 skip=0

# Sums the counts the automake harness wrote into every test's .trs file.
suite_count() {
    local kind=$1
    find . -name '*.trs' -exec cat {} + 2>/dev/null | grep -c "^:test-result: $kind"
}

# suite_run DIR CONFIGURE-ARGS...: configure (once), build, make check; adds
# the build's counts to the totals. A build that cannot configure or compile
# counts as one failure, so the last line never hides it.
suite_run() {
    local dir=$1 status
    shift
    echo "=== $dir: configure $*"
    mkdir -p "$top/$dir"
    cd "$top/$dir" || return
    if [ ! -f Makefile ] && ! ../configure --quiet "$@"; then
        echo "$dir: configure failed"
        fail=$((fail + 1))
        cd "$top"
        return
    fi
    if ! make -j"$jobs" >/dev/null; then
        echo "$dir: build failed"
        fail=$((fail + 1))
        cd "$top"
        return
    fi
    # Stale results of a test that no longer exists must not be counted.
    find . -name '*.trs' -delete
    make -j"$jobs" check
    status=$?
    local p x s f xp e
    p=$(suite_count PASS) x=$(suite_count XFAIL) s=$(suite_count SKIP)
    f=$(suite_count FAIL) xp=$(suite_count XPASS) e=$(suite_count ERROR)
    [ "$status" -ne 0 ] && [ $((f + xp + e)) -eq 0 ] && e=1
    # CI installs every tool a test needs (.ci/debian-packages), so there a
    # skip means a missing install step: it counts as a failure. Skips by
    # design stay skips: RSS and valgrind are not measured in the sanitizer
    # build (ASan's shadow memory is not ours), an empty crasher
    # directory has nothing to replay, and outside a git checkout there are
    # no changed lines for clang-format to check.
    if [ "${CI:-}" = true ] && [ "$s" -gt 0 ]; then
        local missing
        missing=$(grep -h '^SKIP:' $(find . -name '*.log' ! -name test-suite.log) 2>/dev/null |
            grep -v -e 'sanitizer build' -e 'crashers/[a-z0-9]* is empty' -e 'not a git checkout')
        if [ -n "$missing" ]; then
            echo "=== $dir: skipped under CI=true, where every tool a test needs must be installed:"
            printf '%s\n' "$missing" | sed 's/^/    /'
            local n
            n=$(printf '%s\n' "$missing" | wc -l)
            f=$((f + n)) s=$((s - n))
        fi
    fi
    pass=$((pass + p + x)) fail=$((fail + f + xp + e)) skip=$((skip + s))
    echo "=== $dir: $((p + x)) passed, $((f + xp + e)) failed, $s skipped"
    cd "$top"
}

# True when clang can link a libFuzzer harness (Debian: libclang-rt-14-dev).
have_libfuzzer() {
    local t
    command -v clang >/dev/null || return 1
    t=$(mktemp -d) || return 1
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return d && n ? 0 : 0; }' > "$t/f.c"
    clang -fsanitize=fuzzer,address,undefined "$t/f.c" -o "$t/f" >/dev/null 2>&1
    local ok=$?
    rm -rf "$t"
    return $ok
}

suite_run build

if [ "${SANITIZE:-1}" != 0 ]; then
    # Every sanitizer report is fatal (-fno-sanitize-recover=all); leaks are
    # reported at exit by LeakSanitizer and fail the test too.
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:check_initialization_order=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    if have_libfuzzer; then
        suite_run build-sanitize --enable-sanitizers --enable-fuzz CC=clang
        if [ -f build-sanitize/Makefile ] && grep -q '^fuzz-smoke: \$(FUZZ_TARGETS)' build-sanitize/Makefile; then
            echo "=== build-sanitize: make fuzz-smoke (FUZZ_SECONDS=${FUZZ_SECONDS:-20} per harness)"
            (cd build-sanitize && make -j"$jobs" fuzz-smoke FUZZ_SECONDS="${FUZZ_SECONDS:-20}") > fuzz-smoke.out 2>&1
            cat fuzz-smoke.out
            p=$(grep -c '^PASS: fuzz-smoke' fuzz-smoke.out)
            f=$(grep -c '^FAIL: fuzz-smoke' fuzz-smoke.out)
            [ $((p + f)) -eq 0 ] && f=1 # it did not even start: count that
            pass=$((pass + p)) fail=$((fail + f))
            rm -f fuzz-smoke.out
        fi
    else
        echo "=== clang's libFuzzer not found (libclang-rt-14-dev): sanitizer build with $(command -v gcc || echo cc), no fuzz-smoke"
        suite_run build-sanitize --enable-sanitizers
        if [ "${CI:-}" = true ]; then fail=$((fail + 1)); else skip=$((skip + 1)); fi
    fi
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
