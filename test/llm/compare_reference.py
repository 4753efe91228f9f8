"""Compares a compiled LLM's greedy run with gguf_reference.py's.

    compare_reference.py OURS REFERENCE --tolerance T

Both files: line 1 the generated ids, then one line per step with that
step's top 10 as id:logit (binary_steps.py writes OURS). The ids must be
equal; at every step the reference's top-5 logits must be within T of ours.
Prints the worst difference and the logit range it is relative to.
"""
import argparse
import sys


def read(path):
    lines = [l for l in open(path).read().split("\n") if l]
    steps = [dict((int(i), float(v)) for i, v in (p.split(":") for p in l.split()))
             for l in lines[1:]]
    return lines[0].split(), steps


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("ours")
    parser.add_argument("reference")
    parser.add_argument("--tolerance", type=float, required=True)
    args = parser.parse_args()
    our_ids, ours = read(args.ours)
    ref_ids, reference = read(args.reference)
    if our_ids != ref_ids:
        sys.exit("FAIL ids differ:\n ours      %s\n reference %s" %
                 (" ".join(our_ids), " ".join(ref_ids)))
    worst, spread = 0.0, 0.0
    for step, ref in enumerate(reference):
        top5 = sorted(ref, key=lambda i: -ref[i])[:5]
        for i in top5:
            if i not in ours[step]:
                sys.exit("FAIL step %d: the reference's top-5 id %d is not "
                         "in our top 10" % (step, i))
            worst = max(worst, abs(ours[step][i] - ref[i]))
        spread = max(spread, max(ref.values()) - min(ref.values()))
    if worst > args.tolerance:
        sys.exit("FAIL top-5 logits differ by up to %.6f > %g" %
                 (worst, args.tolerance))
    print("ok: %d ids equal, top-5 logits within %.6f (tolerance %g)" %
          (len(our_ids), worst, args.tolerance))


if __name__ == "__main__":
    main()
