"""The captures of tests/lib/captures.list, for the Python tests (lib.sh's
capture_list is the shell side of the same list)."""
import os


def peer_capture_dir(srcdir):
    """The peer capture directory beside the project (lib.sh peer_capture_dir), or None."""
    for d in (os.environ.get("PEER_CAPTURES"), os.path.join(srcdir, "..", "shared", "peer-captures"),
              os.path.join(srcdir, "..", "..", "shared", "peer-captures")):
        if d and os.path.isdir(d):
            return d
    return None


def capture_list(srcdir, *where):
    """Paths of the listed captures whose 'where' is among the given ones, in
    the list's order; peer captures only when their directory is found."""
    dirs = {"samples": os.path.join(srcdir, "samples"), "peer": peer_capture_dir(srcdir)}
    found = []
    with open(os.path.join(srcdir, "tests", "lib", "captures.list"), encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if not fields or fields[0].startswith("#") or fields[0] not in where:
                continue
            d = dirs[fields[0]]
            if d and os.path.exists(os.path.join(d, fields[1])):
                found.append(os.path.join(d, fields[1]))
    return found
