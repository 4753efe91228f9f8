#!/usr/bin/python3
"""Bad input never crashes ternc: mutates real ONNX files (flipped,
deleted and inserted bytes; fixed seed) and checks that ternc either
compiles each one or refuses it with exit status 1 and a diagnostic, never
a signal or another status. Failing inputs are kept in --work.

Usage: mutated_models.py --ternc build/bin/ternc --models DIR... [--count N]
"""
import argparse
import glob
import os
import random
import subprocess
import sys
import tempfile


def mutate(data, rng):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        pos = rng.randrange(len(data))
        kind = rng.random()
        if kind < 0.6:
            data[pos] = rng.randrange(256)
        elif kind < 0.8:
            del data[pos:pos + rng.randint(1, 8)]
        else:
            data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        if not data:
            data = bytearray(b"\x00")
    return bytes(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ternc", required=True)
    parser.add_argument("--models", nargs="+", required=True)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", default=None)
    args = parser.parse_args()
    models = []
    for folder in args.models:
        models += sorted(glob.glob(os.path.join(folder, "**", "*.onnx"),
                                   recursive=True))
    if not models:
        print("no models found; skipping")
        return 77
    work = args.work or tempfile.mkdtemp(prefix="tern-mutated-")
    os.makedirs(work, exist_ok=True)
    rng = random.Random(args.seed)
    bad = 0
    refused = 0
    for i in range(args.count):
        source = rng.choice(models)
        with open(source, "rb") as f:
            data = mutate(f.read(), rng)
        path = os.path.join(work, f"mutated_{i}.onnx")
        with open(path, "wb") as f:
            f.write(data)
        run = subprocess.run([args.ternc, path, "--emit=loops", "-o", os.devnull],
                             capture_output=True, timeout=120)
        stderr = run.stderr.decode("utf-8", "replace")
        if run.returncode == 1 and "error: " in stderr:
            refused += 1
        elif run.returncode != 0:
            bad += 1
            print(f"FAIL {path} (from {source}): exit {run.returncode}: "
                  f"{stderr[-300:]}")
            continue
        os.remove(path)
    print(f"{args.count} mutated models: {args.count - refused - bad} compiled, "
          f"{refused} refused with a diagnostic, {bad} crashed or misbehaved")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
