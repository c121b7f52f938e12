#!/usr/bin/env python3
"""BERT's basic tokenizer applied to one character at a time, from Python's unicodedata and str.lower
(the tables Hugging Face's Python BertTokenizer and Google's BERT code use), for test_wordpiece_tokenizer.

    bert_character_reference.py OUT

For every code point c except surrogates, the uncased basic tokenizer (clean text, space around CJK
ideographs, lower-case, NFD and drop nonspacing marks, split on whitespace and punctuation) is applied
to "a" + c + "a". OUT gets one line per code point whose words are not just ["a" + c + "a"]:
"<c in hex>\t<words, each as space-separated hex code points, joined by '|'>", where a run of
consecutive code points that are all removed (words ["aa"]) is one line "<first>-<last>\t61 61".
Written from the algorithm's description (BERT's paper and README), not from its source.
"""
import sys
import unicodedata


def is_whitespace(ch):
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def is_control(ch):
    return ch not in "\t\n\r" and unicodedata.category(ch).startswith("C")


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_chinese(cp):
    return any(lo <= cp <= hi for lo, hi in (
        (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
        (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)))


def basic_words(text):
    cleaned = []
    for ch in text:
        if ord(ch) == 0 or ord(ch) == 0xFFFD or is_control(ch):
            continue
        if is_whitespace(ch):
            cleaned.append(" ")
        elif is_chinese(ord(ch)):
            cleaned.append(" " + ch + " ")
        else:
            cleaned.append(ch)
    words = []
    for token in "".join(cleaned).split():
        token = unicodedata.normalize("NFD", token.lower())
        token = "".join(ch for ch in token if unicodedata.category(ch) != "Mn")
        current = ""
        for ch in token:
            if is_punctuation(ch):
                if current:
                    words.append(current)
                words.append(ch)
                current = ""
            else:
                current += ch
        if current:
            words.append(current)
    return [w for token in words for w in token.split()]


def main():
    removed = "61 61"
    with open(sys.argv[1], "w", encoding="ascii") as out:
        run = None  # [first, last] of a run of removed code points

        def flush():
            if run:
                out.write("%x-%x\t%s\n" % (run[0], run[1], removed))

        for cp in range(0x110000):
            if 0xD800 <= cp <= 0xDFFF:
                continue
            text = "a" + chr(cp) + "a"
            words = basic_words(text)
            if words == [text]:
                continue
            line = "|".join(" ".join("%x" % ord(c) for c in w) for w in words)
            if line == removed:
                if run and run[1] in (cp - 1, 0xD7FF):
                    run[1] = cp
                else:
                    flush()
                    run = [cp, cp]
            else:
                out.write("%x\t%s\n" % (cp, line))
        flush()


if __name__ == "__main__":
    main()
