#!/usr/bin/env bash
# The whole test suite: configures and builds out of tree in build/, runs
# `make check`, and ends with one line "N passed, N failed" counting every
# test case (each cmocka case and each TAP line of the script tests).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -x configure ] || ./autogen.sh >/dev/null
mkdir -p build
cd build
if [ ! -f Makefile ]; then
    ../configure --quiet || { echo "configure failed"; echo "0 passed, 1 failed"; exit 1; }
fi
make -j"$(nproc)" >/dev/null || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
make -j"$(nproc)" check
status=$?

# Sum the counts the automake harness wrote into every test's .trs file.
count() { cat $(find . -name '*.trs') 2>/dev/null | grep -c "^:test-result: $1" ; }
pass=$(count PASS); xfail=$(count XFAIL); skip=$(count SKIP)
fail=$(count FAIL); xpass=$(count XPASS); error=$(count ERROR)
[ "$status" -ne 0 ] && [ $((fail + xpass + error)) -eq 0 ] && error=1
echo "$((pass + xfail)) passed, $((fail + xpass + error)) failed, $skip skipped"
[ "$status" -eq 0 ]
