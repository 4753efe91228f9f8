"""Counts, per kernel of a PTX file whose name contains one of the given
words, its dp4a instructions, its tensor-core mma instructions and its
float multiplies (mul/fma on f16, f32 or f64), and prints
`kernel: dp4a=N mma=M fmul=F` for each."""
import re
import sys

text = open(sys.argv[1]).read()
for word in sys.argv[2:]:
    found = False
    for match in re.finditer(r"\.entry\s+(\S*%s\S*)\s*\(" % re.escape(word),
                             text):
        body_start = text.index("{", match.end())
        depth, end = 0, body_start
        for end in range(body_start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                break
        body = text[body_start:end]
        dp4a = len(re.findall(r"^\s*dp4a\.", body, re.M))
        mma = len(re.findall(r"^\s*mma\.", body, re.M))
        fmul = len(re.findall(r"^\s*(mul|fma)(\.\w+)*\.f(16|32|64)\b", body,
                              re.M))
        print("%s: dp4a=%d mma=%d fmul=%d" % (word, dp4a, mma, fmul))
        found = True
    if not found:
        print("%s: not found" % word)
