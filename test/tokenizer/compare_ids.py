"""Compares tokenizations line by line: every line's ids must be equal.

    compare_ids.py OURS EXPECTED

EXPECTED is llama.cpp's .out format (one line per input, ids separated by
spaces, possibly with a leading space).
"""
import sys


def lines(path):
    text = open(path).read()
    if text.endswith("\n"):
        text = text[:-1]
    return [line.split() for line in text.split("\n")]


def main():
    ours, expected = lines(sys.argv[1]), lines(sys.argv[2])
    if len(ours) != len(expected):
        sys.exit("FAIL: %d tokenizations, expected %d" %
                 (len(ours), len(expected)))
    bad = [i for i, (a, b) in enumerate(zip(ours, expected)) if a != b]
    for i in bad[:5]:
        print("input %d:\n  ours     %s\n  expected %s" %
              (i, " ".join(ours[i]), " ".join(expected[i])))
    if bad:
        sys.exit("FAIL: %d of %d inputs differ" % (len(bad), len(expected)))
    print("ok: %d inputs tokenized identically" % len(expected))


if __name__ == "__main__":
    main()
