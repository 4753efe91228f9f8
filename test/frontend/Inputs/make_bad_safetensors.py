#!/usr/bin/python3
"""Writes checkpoint folders, each broken in one way, under OUT:

    make_bad_safetensors.py OUT
"""
import json
import os
import struct
import sys

CONFIG = {
    "architectures": ["BitNetForCausalLM"], "hidden_size": 8,
    "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
    "num_key_value_heads": 1, "vocab_size": 4, "hidden_act": "relu2",
    "tie_word_embeddings": True,
}


def safetensors(header, data=b"", length=None):
    text = json.dumps(header).encode()
    size = len(text) if length is None else length
    return struct.pack("<Q", size) + text + data


def folder(out, name, model=None, config=CONFIG, index=None):
    path = os.path.join(out, name)
    os.makedirs(path, exist_ok=True)
    if config is not None:
        with open(os.path.join(path, "config.json"), "w") as f:
            f.write(config if isinstance(config, str) else json.dumps(config))
    if model is not None:
        with open(os.path.join(path, "model.safetensors"), "wb") as f:
            f.write(model)
    if index is not None:
        with open(os.path.join(path, "model.safetensors.index.json"), "w") as f:
            json.dump(index, f)
    return path


def main():
    out = sys.argv[1]
    embed = {"dtype": "F32", "shape": [4, 8], "data_offsets": [0, 128]}
    folder(out, "truncated", model=b"\x10\x00\x00")
    folder(out, "header_past_end",
           model=safetensors({"a": embed}, length=1 << 40))
    folder(out, "bad_json", model=safetensors({}, length=3)[:8] + b"{x}")
    folder(out, "bad_dtype", model=safetensors(
        {"a": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}},
        b"\0" * 8))
    folder(out, "offsets_past_end", model=safetensors(
        {"a": {"dtype": "F32", "shape": [4, 8], "data_offsets": [0, 128]}},
        b"\0" * 64))
    folder(out, "size_mismatch", model=safetensors(
        {"a": {"dtype": "F32", "shape": [4, 8], "data_offsets": [0, 64]}},
        b"\0" * 128))
    folder(out, "overflow", model=safetensors(
        {"a": {"dtype": "F32", "shape": [1 << 30, 1 << 30],
               "data_offsets": [0, 4]}}, b"\0" * 4))
    folder(out, "overlap", model=safetensors(
        {"a": {"dtype": "F32", "shape": [8], "data_offsets": [0, 32]},
         "b": {"dtype": "F32", "shape": [8], "data_offsets": [16, 48]}},
        b"\0" * 48))
    folder(out, "no_config", model=safetensors({}), config=None)
    folder(out, "bad_config", model=safetensors({}), config="{\"a\": ")
    folder(out, "unknown_arch", model=safetensors({}),
           config=dict(CONFIG, architectures=["GPT2LMHeadModel"]))
    folder(out, "no_weights")
    folder(out, "escaping_index", index={"weight_map": {
        "model.embed_tokens.weight": "../outside.safetensors"}})
    with open(os.path.join(out, "outside.safetensors"), "wb") as f:
        f.write(safetensors({"model.embed_tokens.weight": embed}, b"\0" * 128))
    link = folder(out, "symlinked_shard", index={"weight_map": {
        "model.embed_tokens.weight": "shard.safetensors"}})
    os.symlink(os.path.join("..", "outside.safetensors"),
               os.path.join(link, "shard.safetensors"))
    # config.json and the tokenizer are held to the folder like shards.
    with open(os.path.join(out, "outside_config.json"), "w") as f:
        json.dump(CONFIG, f)
    linked = folder(out, "symlinked_config", config=None, model=safetensors(
        {"model.embed_tokens.weight": embed}, b"\0" * 128))
    os.symlink(os.path.join("..", "outside_config.json"),
               os.path.join(linked, "config.json"))
    linked = folder(out, "symlinked_tokenizer", model=safetensors(
        {"model.embed_tokens.weight": embed}, b"\0" * 128))
    os.symlink(os.path.join("..", "outside_config.json"),
               os.path.join(linked, "tokenizer.json"))
    missing = folder(out, "missing_tensor", model=safetensors(
        {"model.embed_tokens.weight": embed}, b"\0" * 128))
    with open(os.path.join(missing, "tokenizer.json"), "w") as f:
        json.dump({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2,
                                                      "d": 3}, "merges": []},
                   "pre_tokenizer": {"type": "ByteLevel"}}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
