"""Checks that GGUF files hold the same tensors, decoded by the numpy
reader of gguf_reference.py (independent of tern's reader).

    same_weights.py A.gguf B.gguf ...

Every tensor of A must exist in every other file, with the same shape;
where the reader decodes both (it skips Q4_K and Q6_K), they must decode
to exactly the same numbers. Prints "ok: N tensors equal".
"""
import sys

import numpy as np

from gguf_reference import Gguf


def main():
    files = [Gguf(path) for path in sys.argv[1:]]
    compared = set()
    for path, other in zip(sys.argv[2:], files[1:]):
        for name, ours in files[0].tensors.items():
            if name not in other.tensors:
                sys.exit("FAIL %s: no tensor %s" % (path, name))
            theirs = other.tensors[name]
            if ours is None or theirs is None:
                continue
            if theirs.shape != ours.shape:
                sys.exit("FAIL %s: tensor %s is shaped %s, not %s" %
                         (path, name, theirs.shape, ours.shape))
            compared.add(name)
            diff = np.abs(theirs - ours).max()
            if diff != 0:
                sys.exit("FAIL %s: tensor %s differs by up to %g" %
                         (path, name, diff))
    print("ok: %d tensors equal" % len(compared))


if __name__ == "__main__":
    main()
