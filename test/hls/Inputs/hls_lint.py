"""Rejects C++ that Vitis HLS cannot synthesize in generated firmware:
dynamic allocation, recursion, virtual functions, STL containers, pointer
casts, and multiplications with data (an index times a constant is fine).
Usage: hls_lint.py FILE...; prints each finding as FILE:LINE: error: ..."""
import re
import sys

RULES = [
    (re.compile(r"\bnew\b|\bdelete\b|\bmalloc\s*\(|\bcalloc\s*\(|\brealloc\s*\(|\bfree\s*\("),
     "dynamic allocation"),
    (re.compile(r"\bvirtual\b"), "virtual function"),
    (re.compile(r"\bstd::(vector|map|unordered_map|set|list|deque|string|array)\b"),
     "STL container"),
    (re.compile(r"reinterpret_cast|static_cast\s*<[^>]*\*\s*>|\(\s*(const\s+)?\w+\s*\*+\s*\)\s*\w"),
     "pointer cast"),
]
# A product of two data values: anything other than an integer literal
# next to '*', outside index arithmetic on loop variables.
INDEX = r"(?:\d+|nf|sf|r|k|p|s|m|n|i|j)"
PRODUCT = re.compile(r"[\w\]\)]\s*\*\s*[\w\(]")
INDEX_PRODUCT = re.compile(rf"\b{INDEX}\s*\*\s*{INDEX}\b")


def lint(path):
    findings = []
    text = open(path).read()
    functions = {}
    current = None
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("//")[0]
        if code.lstrip().startswith("#"):
            continue
        for pattern, what in RULES:
            if pattern.search(code):
                findings.append(f"{path}:{number}: error: {what}: {line.strip()}")
        for product in PRODUCT.finditer(code):
            if not INDEX_PRODUCT.search(code[max(0, product.start() - 4):product.end() + 4]):
                findings.append(f"{path}:{number}: error: multiplication: {line.strip()}")
        definition = re.match(r"^(?:static\s+)?[\w:<>]+\s+(\w+)\s*\(.*\)\s*\{", code)
        if definition:
            current = definition.group(1)
            functions[current] = number
        elif current and re.search(rf"\b{current}\s*\(", code):
            findings.append(f"{path}:{number}: error: recursion in {current}")
        if code.startswith("}"):
            current = None
    return findings


if __name__ == "__main__":
    findings = [f for path in sys.argv[1:] for f in lint(path)]
    print("\n".join(findings) if findings else "hls-lint: clean")
    sys.exit(1 if findings else 0)
