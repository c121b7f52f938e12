#!/usr/bin/python3
"""The PyTorch counterpart of `attune-cli predict EXPORT_DIR TABLE --out FILE.csv` for a BERT text model
(run_predict_text.sh runs both and times each whole process): the same work done the way a PyTorch user
does it, with Debian's torch 1.13. --threads N sets torch.set_num_threads(N); run_predict_text.sh gives every
core, as attune-cli predict uses them (the run's runtime.threads, unset: every core).

    bench_predict_text.py EXPORT_DIR TABLE [--threads N] [--out FILE.csv]
    bench_predict_text.py --write-texts FILE --vocab VOCAB_TXT [--texts 1000] [--words 300]
    bench_predict_text.py --compare ATTUNE.csv PYTHON.csv

Classifying reads what Attune's export holds (attune-export.json: classes, max_tokens, text column, the
base folder; base/*/config.json and vocab.txt; model.safetensors, mapped as the safetensors package maps
it), builds the hand-written Hugging Face BERT of bench_text_throughput.py without random initialisation
(as transformers' from_pretrained does) and loads the weights with strict=True. It reads the table's text
column (non-empty cells), tokenises every text first as Attune's Predictor does (BERT's uncased basic
tokenizer from tests/data/bert_character_reference.py, then greedy WordPiece; [CLS] pieces [SEP] cut to
max_tokens, stopping once the text has enough pieces, as Attune's tokenizer and a truncating Hugging Face
tokenizer do), then classifies batches of 32 (Attune's kPredictBatch, core/eval/detail/Predictor.cpp),
each padded with [PAD] to its longest text, in eval mode under no_grad, softmax of each batch, and writes
the CSV attune-cli writes (item,predicted,probability,<one column per class>). Prints
"python-phases LOAD_S TOKENISE_S PREDICT_S WRITE_S" (seconds measured inside the process; the rest of the
process's wall time is Python's start and its imports, torch's included).

--write-texts writes a table (text,label) of texts made of the vocabulary's words (bench_text_throughput's
write_texts). --compare prints how far two such CSVs are apart: the largest difference of a probability,
and how many rows name the same class.
"""
import argparse
import csv
import json
import os
import re
import sys
import time

import torch

from bench_common import read_safetensors
from bench_text_throughput import SPECIAL, BertForSequenceClassification, write_texts

# BERT's basic tokenizer, as the tokenizer tests' reference computes it.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
from bert_character_reference import basic_words  # noqa: E402

BATCH = 32  # kPredictBatch in core/eval/detail/Predictor.cpp
MAX_INPUT_CHARS_PER_WORD = 100
INIT_FUNCTIONS = ("uniform_", "normal_", "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_",
                  "xavier_normal_", "trunc_normal_")


# --- the tokenizer ----------------------------------------------------------------------------------

class WordPiece:
    """An uncased vocab.txt tokenizer: special tokens kept whole, BERT's basic tokenizer, then each word
    cut greedily into the longest vocabulary pieces ("##" continuations); a word without such a cut, or
    longer than 100 characters, becomes [UNK]."""

    def __init__(self, vocab_path):
        with open(vocab_path, encoding="utf-8") as f:
            self.ids = {token: i for i, token in enumerate(f.read().split("\n")) if token}
        self.unk, self.cls, self.sep, self.pad = (self.ids[t] for t in ("[UNK]", "[CLS]", "[SEP]", "[PAD]"))
        specials = sorted((t for t in SPECIAL if t in self.ids), key=len, reverse=True)
        self.specials = re.compile("(" + "|".join(re.escape(t) for t in specials) + ")")

    def word_pieces(self, word):
        if len(word) > MAX_INPUT_CHARS_PER_WORD:
            return [self.unk]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                found = self.ids.get(word[start:end] if start == 0 else "##" + word[start:end])
                if found is not None:
                    break
                end -= 1
            if end == start:
                return [self.unk]
            pieces.append(found)
            start = end
        return pieces

    def encode(self, text, max_length):
        """[CLS] pieces [SEP], at most max_length ids. The text is read a space-separated chunk at a time
        (BERT splits at every space anyway) and no further than its first max_length - 2 pieces."""
        room = max(max_length, 2) - 2
        ids = []
        for i, segment in enumerate(self.specials.split(text)):  # odd places: the special tokens
            if len(ids) >= room:
                break
            if i % 2:
                ids.append(self.ids[segment])
                continue
            for chunk in segment.split(" "):
                for word in basic_words(chunk):
                    ids += self.word_pieces(word)
                if len(ids) >= room:
                    break
        return [self.cls] + ids[:room] + [self.sep]


# --- classifying ------------------------------------------------------------------------------------

def load_model(export_dir):
    """The export's model in eval mode, its tokenizer, classes, max tokens and text column."""
    with open(os.path.join(export_dir, "attune-export.json")) as f:
        manifest = json.load(f)
    base = os.path.join(export_dir, manifest["config"]["model"]["weights"])
    with open(os.path.join(base, "config.json")) as f:
        config = json.load(f)
    classes = manifest["classes"]
    # Parameters are made uninitialised, as transformers' from_pretrained makes them: the file's values
    # replace them.
    saved = {name: getattr(torch.nn.init, name) for name in INIT_FUNCTIONS}
    try:
        for name in INIT_FUNCTIONS:
            setattr(torch.nn.init, name, lambda tensor, *args, **kwargs: tensor)
        model = BertForSequenceClassification(config, len(classes))
    finally:
        for name, function in saved.items():
            setattr(torch.nn.init, name, function)
    model.load_state_dict(read_safetensors(os.path.join(export_dir, manifest["weights"])), strict=True)
    model.eval()
    max_tokens = min(manifest["input"]["max_tokens"], config["max_position_embeddings"])
    return model, WordPiece(os.path.join(base, "vocab.txt")), classes, max_tokens, manifest.get("text_column", "text")


def read_table(path, column):
    """The table's non-empty texts and their names "FILE:LINE", as attune-cli predict names them."""
    texts, names = [], []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        index = header.index(column) if column in header else header.index("text")
        for row in reader:
            if row[index].strip():
                texts.append(row[index])
                names.append(f"{os.path.basename(path)}:{reader.line_num}")
    return texts, names


def classify(model, ids, pad):
    rows = []
    with torch.no_grad():
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            longest = max(len(t) for t in chunk)
            batch = torch.tensor([t + [pad] * (longest - len(t)) for t in chunk])
            rows.append(torch.softmax(model(batch), 1))
    return torch.cat(rows)


def write_csv(path, names, classes, probabilities):
    with open(path, "w") as out:
        out.write("item,predicted,probability," + ",".join(classes) + "\n")
        for name, row in zip(names, probabilities.double().tolist()):
            best = max(range(len(row)), key=row.__getitem__)
            out.write(f"{name},{classes[best]},{row[best]:.6g}," + ",".join(f"{p:.6g}" for p in row) + "\n")


def predict(args):
    if args.threads:
        torch.set_num_threads(args.threads)
    start = time.perf_counter()
    model, tokenizer, classes, max_tokens, column = load_model(args.export)
    loaded = time.perf_counter()
    texts, names = read_table(args.table, column)
    ids = [tokenizer.encode(text, max_tokens) for text in texts]
    tokenised = time.perf_counter()
    probabilities = classify(model, ids, tokenizer.pad)
    predicted = time.perf_counter()
    write_csv(args.out or os.devnull, names, classes, probabilities)
    written = time.perf_counter()
    print(f"# python: PyTorch {torch.__version__}, {torch.get_num_threads()} compute thread{'s' if torch.get_num_threads() != 1 else ''}, batch {BATCH}, {len(texts)} "
          f"texts cut to {max_tokens} tokens: load {loaded - start:.2f} s, read + tokenise {tokenised - loaded:.2f} s, "
          f"predict {predicted - tokenised:.2f} s, write {written - predicted:.2f} s", flush=True)
    print(f"python-phases {loaded - start:.3f} {tokenised - loaded:.3f} {predicted - tokenised:.3f} "
          f"{written - predicted:.3f}")


def compare(first, second):
    def rows(path):
        with open(path, newline="") as f:
            reader = csv.reader(f)
            classes = next(reader)[3:]
            return classes, {row[0]: (row[1], [float(p) for p in row[3:]]) for row in reader}

    classes, a = rows(first)
    _, b = rows(second)
    common = [k for k in a if k in b]
    largest = max((abs(x - y) for k in common for x, y in zip(a[k][1], b[k][1])), default=float("nan"))
    same = sum(a[k][0] == b[k][0] for k in common)
    print(f"# outputs: {len(a)} and {len(b)} rows, the largest difference of a probability {largest:.2g}, "
          f"the same class for {same} of {len(common)} texts")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("export", nargs="?")
    parser.add_argument("table", nargs="?")
    parser.add_argument("--threads", type=int, help="compute threads (default: LibTorch's own choice)")
    parser.add_argument("--out")
    parser.add_argument("--write-texts", metavar="FILE")
    parser.add_argument("--vocab")
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--words", type=int, default=300)
    parser.add_argument("--compare", nargs=2, metavar="CSV")
    args = parser.parse_args()
    if args.write_texts:
        with open(args.vocab, encoding="utf-8") as f:
            words = [w for w in f.read().split("\n") if w and w not in SPECIAL]
        write_texts(args.write_texts, words, args.texts, args.words, seed=11)
    elif args.compare:
        compare(*args.compare)
    elif args.export and args.table:
        predict(args)
    else:
        parser.error("give EXPORT_DIR and TABLE, --write-texts or --compare")
    return 0


if __name__ == "__main__":
    sys.exit(main())
