"""TAP from the Python comparisons inside the live tests.

check() records one line: fn() true is ok; false, or an exception (a
missing key or event), is not ok and fails that line only; a failed line
also prints diag(), when given, as TAP comments (what was seen instead).
report() prints the plan and the lines and returns how many failed."""

results = []


def check(desc, fn, diag=None):
    try:
        good, why = bool(fn()), ""
    except Exception as e:  # pylint: disable=broad-except
        good, why = False, f"{type(e).__name__}: {e}"
    if not good and diag is not None:
        try:
            why = "\n# ".join(filter(None, [why] + str(diag()).splitlines()))
        except Exception as e:  # pylint: disable=broad-except
            why += f" (diag failed: {e})"
    results.append((good, desc, why))


def report():
    print(f"1..{len(results)}")
    for i, (good, desc, why) in enumerate(results, 1):
        print(f"{'ok' if good else 'not ok'} {i} - {desc}")
        if why:
            print(f"# {why}")
    return sum(1 for r in results if not r[0])
