// Runs npm bert-tokenizer@1.1.8's JavaScript WordPiece tokenizer (an independent implementation) on a
// list of texts:  node bert_tokenizer_js.js PACKAGE_DIR TEXTS_JSON IDS_JSON
// TEXTS_JSON is a JSON list of strings; IDS_JSON receives a list of id lists, one per text, without
// [CLS]/[SEP] (the package's tokenize()).
//
// One change to the package, stated here and in test_wordpiece_tokenizer: its WordPiece step splits
// the pre-tokenized text with split(' '), so every run of two spaces, a trailing space or a leading
// punctuation mark yields an empty word, which it turns into [UNK] (100). BERT splits on runs of
// whitespace, so the driver drops those empty words; nothing else is altered.
'use strict';
const fs = require('fs');
const path = require('path');

const [packageDir, textsPath, idsPath] = process.argv.slice(2);
const WordPiece = require(path.join(packageDir, 'dist', 'wordpiecetokenizer.js')).default;
const original = WordPiece.prototype.processInput;
WordPiece.prototype.processInput = function (text) {
  const words = text.split(' ').filter((word) => word !== '');
  return words.length === 0 ? [] : original.call(this, words.join(' '));
};
const { BertTokenizer } = require(path.join(packageDir, 'dist', 'index.js'));

const tokenizer = new BertTokenizer(path.join(packageDir, 'assets', 'vocab.json'), true);
const texts = JSON.parse(fs.readFileSync(textsPath, 'utf-8'));
fs.writeFileSync(idsPath, JSON.stringify(texts.map((text) => tokenizer.tokenize(text))));
