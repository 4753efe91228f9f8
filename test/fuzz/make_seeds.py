#!/usr/bin/python3
"""Writes the starting corpus of every fuzz target under OUT/<target>/:

    make_seeds.py OUT --source TERN_SOURCE [--shared SHARED/testdata]

Seeds come from the test data: the bundled example, the real models and a
sample of ONNX's node tests, llama.cpp's tokenizer inputs, plus small
files written here in each format (a whole checkpoint folder, a GGUF LLM
with a vocabulary, tokenizer and weights files) so the fuzzers start from
inputs that pass validation. Large shared files are left out: a fuzzer
mutates small inputs far faster.
"""
import argparse
import base64
import glob
import json
import os
import shutil
import struct
import sys

import numpy as np

MAX_SEED = 256 * 1024


def write(out, target, name, data):
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def copy_small(out, target, paths, prefix=""):
    for path in paths:
        if os.path.getsize(path) <= MAX_SEED:
            name = prefix + "_".join(path.split(os.sep)[-3:])
            with open(path, "rb") as f:
                write(out, target, name, f.read())


# --- GGUF -------------------------------------------------------------------
def gguf_string(s):
    data = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(data)) + data


def gguf_kv(key, type_id, payload):
    return gguf_string(key) + struct.pack("<I", type_id) + payload


def gguf_array(key, element_type, payloads):
    return gguf_kv(key, 9, struct.pack("<IQ", element_type, len(payloads)) +
                   b"".join(payloads))


def gguf_file(kvs, tensors):
    """tensors: (name, ne, type_id, bytes); data aligned to 32."""
    infos, data = [], b""
    for name, ne, type_id, payload in tensors:
        data += b"\0" * (-len(data) % 32)
        infos.append(gguf_string(name) + struct.pack("<I", len(ne)) +
                     b"".join(struct.pack("<Q", n) for n in ne) +
                     struct.pack("<IQ", type_id, len(data)))
        data += payload
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    body = head + b"".join(kvs) + b"".join(infos)
    return body + b"\0" * (-len(body) % 32) + data


def tiny_gguf_llm(tokens):
    rng = np.random.default_rng(1)
    d, ff, vocab = 8, 16, len(tokens)
    u32 = lambda key, v: gguf_kv(key, 4, struct.pack("<I", v))
    f32 = lambda key, v: gguf_kv(key, 6, struct.pack("<f", v))
    kvs = [
        gguf_kv("general.architecture", 8, gguf_string("llama")),
        u32("llama.block_count", 1), u32("llama.embedding_length", d),
        u32("llama.feed_forward_length", ff),
        u32("llama.attention.head_count", 2),
        u32("llama.attention.head_count_kv", 1),
        u32("llama.context_length", 16),
        f32("llama.attention.layer_norm_rms_epsilon", 1e-5),
        gguf_kv("tokenizer.ggml.model", 8, gguf_string("llama")),
        gguf_array("tokenizer.ggml.tokens", 8, [gguf_string(t) for t in tokens]),
        gguf_array("tokenizer.ggml.scores", 6,
                   [struct.pack("<f", -i) for i in range(vocab)]),
        gguf_array("tokenizer.ggml.token_type", 5,
                   [struct.pack("<i", 3 if t.startswith("<") and t.endswith(">")
                                and len(t) > 6 else 1) for t in tokens]),
        u32("tokenizer.ggml.bos_token_id", 1),
        u32("tokenizer.ggml.eos_token_id", 2),
        gguf_kv("tokenizer.ggml.add_bos_token", 7, b"\1"),
    ]
    f32_tensor = lambda *ne: rng.standard_normal(int(np.prod(ne))).astype(
        "<f4").tobytes()
    tq2 = bytes(rng.integers(0, 255, 64, dtype=np.uint8)) + \
        np.float16(0.5).tobytes()
    tq1 = bytes(rng.integers(0, 243, 52, dtype=np.uint8)) + \
        np.float16(0.5).tobytes()
    tensors = [
        ("token_embd.weight", [d, vocab], 0, f32_tensor(d, vocab)),
        ("output_norm.weight", [d], 0, f32_tensor(d)),
        ("blk.0.attn_norm.weight", [d], 0, f32_tensor(d)),
        ("blk.0.attn_q.weight", [d, d], 1,
         np.ones(d * d, "<f2").tobytes()),
        ("blk.0.ffn_up.weight", [256, 1], 35, tq2),
        ("blk.0.ffn_gate.weight", [256, 1], 34, tq1),
        ("blk.0.attn_k.weight", [32, 1], 8,
         np.float16(0.25).tobytes() + bytes(range(32))),
    ]
    return gguf_file(kvs, tensors)


def spm_tokens():
    return (["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)] +
            ["\u2581", "\u2581the", "he", "llo", "\u2581Hello", "\u2581world"])


# --- safetensors checkpoint folders ----------------------------------------
def safetensors(tensors):
    header, data = {}, b""
    for name, (dtype, shape, payload) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def tiny_checkpoint(bitnet):
    rng = np.random.default_rng(2)
    d, ff, vocab, q, kv = 8, 16, 4, 8, 4
    f32 = lambda *shape: ("F32", list(shape), rng.standard_normal(
        int(np.prod(shape))).astype("<f4").tobytes())
    bf16 = lambda *shape: ("BF16", list(shape), (rng.standard_normal(
        int(np.prod(shape))).astype("<f4").view("<u4") >> 16).astype(
        "<u2").tobytes())

    def linear(rows, cols):
        if not bitnet:
            return bf16(rows, cols)
        return ("U8", [rows // 4, cols],
                bytes(rng.integers(0, 3, rows // 4 * cols, dtype=np.uint8)))

    p = "model.layers.0."
    tensors = {
        "model.embed_tokens.weight": f32(vocab, d), "model.norm.weight": f32(d),
        p + "input_layernorm.weight": f32(d),
        p + "post_attention_layernorm.weight": f32(d),
        p + "self_attn.q_proj.weight": linear(q, d),
        p + "self_attn.k_proj.weight": linear(kv, d),
        p + "self_attn.v_proj.weight": linear(kv, d),
        p + "self_attn.o_proj.weight": linear(d, q),
        p + "mlp.gate_proj.weight": linear(ff, d),
        p + "mlp.up_proj.weight": linear(ff, d),
        p + "mlp.down_proj.weight": linear(d, ff),
    }
    if bitnet:
        for name in list(tensors):
            if name.endswith("proj.weight"):
                tensors[name[:-6] + "weight_scale"] = f32(1)
        tensors[p + "self_attn.attn_sub_norm.weight"] = f32(d)
        tensors[p + "mlp.ffn_sub_norm.weight"] = f32(ff)
    config = {
        "architectures": ["BitNetForCausalLM" if bitnet else
                          "LlamaForCausalLM"],
        "hidden_size": d, "intermediate_size": ff, "num_hidden_layers": 1,
        "num_attention_heads": 2, "num_key_value_heads": 1,
        "vocab_size": vocab, "max_position_embeddings": 16,
        "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "tie_word_embeddings": True, "bos_token_id": 0, "eos_token_id": 1,
    }
    if bitnet:
        config["hidden_act"] = "relu2"
    return json.dumps(config).encode(), safetensors(tensors)


def byte_level(data):
    """GPT-2's bytes_to_unicode spelling."""
    printable = (list(range(33, 127)) + list(range(161, 173)) +
                 list(range(174, 256)))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return "".join(table[b] for b in data)


def tiny_tokenizer_json():
    vocab = {byte_level(bytes([b])): b for b in range(256)}
    merges = [("\u0120", "t"), ("h", "e"), ("\u0120t", "he")]
    for left, right in merges:
        vocab[left + right] = len(vocab)
    return json.dumps({
        "version": "1.0",
        "added_tokens": [{"id": len(vocab), "content": "<|begin_of_text|>",
                          "special": True},
                         {"id": len(vocab) + 1, "content": "<|end_of_text|>",
                          "special": True}],
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False,
                          "use_regex": True},
        "post_processor": {"type": "TemplateProcessing", "single": [
            {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
            {"Sequence": {"id": "A", "type_id": 0}}]},
        "model": {"type": "BPE", "vocab": vocab,
                  "merges": [l + " " + r for l, r in merges]},
    }).encode()


# --- the runtime's own files -------------------------------------------------
def tokenizer_file(kind, tokens, merges=(), pre=0, flags=1):
    head = b"TERNTOK\0" + struct.pack("<IIIiiIII", 1, kind, len(tokens), 1, 2,
                                      flags, len(merges), pre)
    body = b""
    for i, token in enumerate(tokens):
        data = token.encode()
        kind_of = 6 if token.startswith("<0x") else (
            3 if token in ("<s>", "</s>", "<unk>") else 1)
        body += struct.pack("<fiI", -float(i), kind_of, len(data)) + data
    for merge in merges:
        body += struct.pack("<I", len(merge.encode())) + merge.encode()
    return head + body


MASK = (1 << 64) - 1
FNV_BASIS, FNV_PRIME = 0xcbf29ce484222325, 0x100000001b3


def weights_checksum(payload):
    """runtime/src/weights.c's tern_weights_checksum."""
    lanes = [FNV_BASIS + i for i in range(8)]
    blocks = len(payload) // 64
    for b in range(blocks):
        for i in range(8):
            word = int.from_bytes(payload[64 * b + 8 * i:64 * b + 8 * i + 8],
                                  "little")
            h = ((lanes[i] ^ word) * FNV_PRIME) & MASK
            lanes[i] = h ^ (h >> 32)
    h = FNV_BASIS
    for lane in lanes:
        for i in range(8):
            h = ((h ^ ((lane >> (8 * i)) & 0xff)) * FNV_PRIME) & MASK
    for byte in payload[blocks * 64:]:
        h = ((h ^ byte) * FNV_PRIME) & MASK
    for i in range(8):
        h = ((h ^ ((len(payload) >> (8 * i)) & 0xff)) * FNV_PRIME) & MASK
    return h


def weights_file(payload):
    return (b"TERNWTS\0" + struct.pack("<IIQQ", 2, 64, len(payload),
                                       weights_checksum(payload)) +
            b"\0" * 32 + payload)


def npy(array, version=1):
    header = repr({"descr": array.dtype.str, "fortran_order": False,
                   "shape": array.shape}).encode()
    size_bytes = 2 if version == 1 else 4
    total = 6 + 2 + size_bytes + len(header) + 1
    header += b" " * (-total % 64) + b"\n"
    size = struct.pack("<H" if version == 1 else "<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + size + header + \
        array.tobytes()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--source", required=True)
    parser.add_argument("--shared")
    args = parser.parse_args()
    out = args.out
    shutil.rmtree(out, ignore_errors=True)
    shared = args.shared if args.shared and os.path.isdir(args.shared) else None
    node_tests = sorted(glob.glob(os.path.join(
        shared, "onnx-node", "*", "model.onnx"))) if shared else []

    # ONNX importer: the bundled example, the real models, every 6th node
    # test, and the hand-made bad models of test/ternc.
    copy_small(out, "onnx_import", glob.glob(os.path.join(
        args.source, "examples", "*", "*.onnx")))
    if shared:
        copy_small(out, "onnx_import", glob.glob(os.path.join(
            shared, "onnx-models", "**", "*.onnx"), recursive=True))
        copy_small(out, "onnx_import", node_tests[::6])

    # GGUF: a tiny LLM with a vocabulary, and the malformed files of
    # test/frontend.
    write(out, "gguf", "tiny-llm.gguf", tiny_gguf_llm(spm_tokens()))
    sys.path.insert(0, os.path.join(args.source, "test", "frontend", "Inputs"))
    import make_bad_gguf
    make_bad_gguf.write_all(os.path.join(out, "gguf"))

    # Checkpoint folders, one file each (checkpoint_fuzzer.cpp's format).
    separator = b"\n#tern-fuzz-file#\n"
    for bitnet in (False, True):
        config, model = tiny_checkpoint(bitnet)
        write(out, "checkpoint", "bitnet" if bitnet else "llama",
              config + separator + tiny_tokenizer_json() + separator + model)
    write(out, "checkpoint", "safetensors-only", tiny_checkpoint(False)[1])

    # Vocabulary files: tokenizer.json, tiktoken ranks, a GGUF vocabulary.
    write(out, "vocabulary", "tokenizer.json", tiny_tokenizer_json())
    ranks = [base64.b64encode(bytes([b])).decode() + " %d" % b
             for b in range(256)]
    ranks += [base64.b64encode(t).decode() + " %d" % (256 + i)
              for i, t in enumerate([b" t", b"he", b" the", b"in"])]
    write(out, "vocabulary", "tiktoken.model", "\n".join(ranks).encode())
    write(out, "vocabulary", "vocab.gguf", tiny_gguf_llm(spm_tokens()))

    # The runtime's tokenizer file, SPM and byte-level BPE.
    write(out, "tokenizer_file", "spm.tokenizer",
          tokenizer_file(1, spm_tokens(), flags=3))
    bpe_tokens = [byte_level(bytes([b])) for b in range(256)] + \
        ["\u0120t", "he", "\u0120the", "<|begin_of_text|>", "<|end_of_text|>"]
    for pre in (0, 1, 2):
        write(out, "tokenizer_file", "bpe-%d.tokenizer" % pre,
              tokenizer_file(2, bpe_tokens, ["\u0120 t", "h e", "\u0120t he"],
                             pre=pre))

    # Prompts: llama.cpp's tokenizer test inputs, one seed each.
    texts = ["Hello world", " leading space", "caf\u00e9 \u4e2d\u6587 \U0001f600",
             "it's 123456 tokens\n\n\tend"]
    if shared:
        for path in sorted(glob.glob(os.path.join(
                shared, "tokenizers", "*.inp")))[:1]:
            with open(path, encoding="utf-8") as f:
                texts += f.read().split("\n__ggml_vocab_test__\n")
    for i, text in enumerate(texts):
        write(out, "tokenize_text", "text-%03d" % i, text.encode())
    write(out, "tokenize_text", "invalid-utf8", b"\xff\xfe\xc3 \x80abc")

    # Weights files: small payloads with their real checksums.
    for size in (0, 64, 100, 448):
        write(out, "weights_file", "w%d.weights" % size,
              weights_file(bytes((i * 7) & 0xff for i in range(size))))

    # Tensor files: node-test inputs and .npy of each dtype.
    if shared:
        copy_small(out, "tensor_file", [
            p for t in node_tests[::12] for p in glob.glob(os.path.join(
                os.path.dirname(t), "test_data_set_0", "input_0.pb"))])
    rng = np.random.default_rng(3)
    for dtype in ("<f4", "<i8", "<i4", "|i1", "|u1", "<f8", "|b1"):
        array = rng.integers(0, 3, (2, 3)).astype(dtype)
        write(out, "tensor_file", "a%s.npy" % dtype[1:], npy(array))
    write(out, "tensor_file", "v2.npy", npy(np.zeros((4,), "<f4"), version=2))
    write(out, "tensor_file", "scalar.npy", npy(np.array(1.5, "<f4")))
    count = sum(len(files) for _, _, files in os.walk(out))
    print("wrote %d seeds under %s" % (count, out))


if __name__ == "__main__":
    main()
