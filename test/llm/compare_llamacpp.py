"""Compares greedy decoding output with llama.cpp's (tokens.txt format).

    compare_llamacpp.py OURS LLAMACPP_TOKENS_TXT --tolerance T

OURS: line 1 the generated ids, then one line per step of `id:logit`
pairs (the step's top 10, so near-ties at rank 5 still compare). Ids must match exactly; at every step, the logit
of each of llama.cpp's top-5 ids must be within T of ours.
"""
import argparse
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("ours")
    parser.add_argument("llamacpp")
    parser.add_argument("--tolerance", type=float, required=True)
    args = parser.parse_args()
    ours = open(args.ours).read().split("\n")
    our_ids = ours[0].split()
    our_steps = [dict(p.split(":") for p in line.split()) for line in ours[1:]
                 if line]
    theirs = open(args.llamacpp).read().split("\n")[1:]
    their_ids, worst = [], 0.0
    for step, line in enumerate(l for l in theirs if l):
        token, top5 = line.split(" top5=")
        their_ids.append(token)
        for pair in top5.split(","):
            tid, logit = pair.split(":")
            if step >= len(our_steps) or tid not in our_steps[step]:
                sys.exit("FAIL step %d: llama.cpp's top-5 id %s is not in ours"
                         % (step, tid))
            worst = max(worst, abs(float(our_steps[step][tid]) - float(logit)))
    if our_ids != their_ids:
        sys.exit("FAIL ids differ:\n ours   %s\n theirs %s" %
                 (" ".join(our_ids), " ".join(their_ids)))
    if worst > args.tolerance:
        sys.exit("FAIL top-5 logits differ by up to %.4f > %.4f" %
                 (worst, args.tolerance))
    print("ok: %d ids equal, top-5 logits within %.4f (tolerance %g)" %
          (len(our_ids), worst, args.tolerance))


if __name__ == "__main__":
    main()
