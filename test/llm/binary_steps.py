"""Turns a compiled LLM's run into compare_llamacpp.py's input format.

    binary_steps.py STDOUT LOGITS VOCAB [--step1 REFERENCE.f32]

STDOUT is the program's output with --print-ids (the ids line comes just
before the two closing lines); LOGITS the file its --logits option wrote.
Prints the ids, then each step's top 10 as id:logit. With --step1, also
checks the first step's full logits against REFERENCE (llama.cpp's
logits-step1.f32): fails when the largest difference exceeds
--step1-tolerance, else prints it to stderr.
"""
import argparse
import sys

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("stdout")
    parser.add_argument("logits")
    parser.add_argument("vocab", type=int)
    parser.add_argument("--step1")
    parser.add_argument("--step1-tolerance", type=float, default=float("inf"))
    args = parser.parse_args()
    # Generated text may hold partial UTF-8 (byte tokens); only ids matter.
    text = open(args.stdout, "rb").read().decode("utf-8", "replace")
    lines = text.rstrip("\n").split("\n")
    if len(lines) < 3 or not lines[-2].startswith("prompt: ") or \
            not lines[-1].startswith("generation: "):
        sys.exit("FAIL: the output does not end with the two closing lines")
    ids = lines[-3].split()
    logits = np.fromfile(args.logits, dtype="<f4")
    if logits.size % args.vocab:
        sys.exit("FAIL: %s holds %d floats, not steps of %d" %
                 (args.logits, logits.size, args.vocab))
    logits = logits.reshape(-1, args.vocab)
    print(" ".join(ids))
    for step in logits:
        top = np.argsort(-step, kind="stable")[:10]
        print(" ".join("%d:%.6f" % (i, step[i]) for i in top))
    if args.step1:
        reference = np.fromfile(args.step1, dtype="<f4")
        worst = np.abs(logits[0] - reference).max()
        if not worst <= args.step1_tolerance:
            sys.exit("FAIL step 1: logits differ from %s by up to %.4f > %g" %
                     (args.step1, worst, args.step1_tolerance))
        print("step 1: max |logit - reference| = %.4f" % worst,
              file=sys.stderr)


if __name__ == "__main__":
    main()
