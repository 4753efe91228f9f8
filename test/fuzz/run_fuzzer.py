#!/usr/bin/python3
"""Runs one fuzz target for ctest:

    run_fuzzer.py FUZZER --seeds DIR --regressions DIR --work DIR --seconds N

With N > 0 (a libFuzzer build), fuzzes for N seconds from the seeds and the
regression inputs, adding what it finds to WORK/corpus, and fails on the
first crash, leak, timeout or sanitizer report, naming the saved input.
With N = 0 (a replay build) it runs every seed and regression input once.
"""
import argparse
import os
import re
import subprocess
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("fuzzer")
    parser.add_argument("--seeds", required=True)
    parser.add_argument("--regressions", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--seconds", type=int, default=0)
    args = parser.parse_args()
    inputs = [d for d in (args.seeds, args.regressions) if os.path.isdir(d)]
    os.makedirs(args.work, exist_ok=True)
    if args.seconds <= 0:
        result = subprocess.run([args.fuzzer] + inputs)
        return result.returncode

    corpus = os.path.join(args.work, "corpus")
    os.makedirs(corpus, exist_ok=True)
    command = [args.fuzzer, "-max_total_time=%d" % args.seconds, "-seed=1",
               "-timeout=20", "-rss_limit_mb=2560", "-max_len=262144",
               "-print_final_stats=1",
               "-artifact_prefix=" + os.path.join(args.work, ""),
               corpus] + inputs
    print(" ".join(command), flush=True)
    result = subprocess.run(command, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            errors="replace")
    output = result.stdout
    runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", output)
    # The readers' own error output is noise; the summary and any report
    # are what a reader of the log needs.
    lines = output.splitlines()
    report = [l for l in lines if l.startswith(("#", "INFO:", "stat::",
                                                "Done", "=="))]
    print("\n".join(report[-30:]))
    if result.returncode != 0:
        print("\n".join(lines[-80:]))
        print("FAILED: the fuzzer found a crashing input (saved under %s); "
              "add it to %s once fixed" % (args.work, args.regressions))
        return 1
    print("fuzzed %s: %s executions in %d s, no crash" % (
        os.path.basename(args.fuzzer), runs.group(1) if runs else "?",
        args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
