"""Runs a command as a child process and reports how it ended, for the reliability tests.

Usage: run_child.py [--fsize BYTES] [--timeout SECONDS] [--cwd DIR] -- COMMAND [ARG...]

Prints one JSON object with these keys:

- status: the exit status, or null when a signal ended the child;
- signal: the signal number, or null;
- timed_out, seconds;
- maxrss_kb: the child's peak resident set size, from getrusage(RUSAGE_CHILDREN) once the
  child is reaped (this script starts no other child);
- stdout and stderr, decoded as UTF-8 with replacement.

--fsize sets RLIMIT_FSIZE in the child and ignores SIGXFSZ there, so a write past the limit
fails with EFBIG instead of killing the process: a full disk as one process sees it.
"""

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fsize", type=int)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--cwd")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    def limit():
        if args.fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (args.fsize, args.fsize))

    started = time.monotonic()
    # restore_signals=False keeps SIGXFSZ ignored in the child; Python resets it otherwise.
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=args.cwd,
                             preexec_fn=limit, restore_signals=False)
    timed_out = False
    try:
        stdout, stderr = child.communicate(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        child.kill()
        stdout, stderr = child.communicate()
    # communicate() has reaped the child, so its usage is in RUSAGE_CHILDREN; this process
    # starts no other child, so the maximum there is this child's.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    code = child.returncode
    print(json.dumps({
        "status": code if code >= 0 else None,
        "signal": -code if code < 0 else None,
        "timed_out": timed_out,
        "maxrss_kb": usage.ru_maxrss,
        "seconds": time.monotonic() - started,
        "stdout": stdout.decode("utf-8", "replace"),
        "stderr": stderr.decode("utf-8", "replace"),
    }))


if __name__ == "__main__":
    sys.exit(main())
