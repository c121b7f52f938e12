#pragma once
// The inputs of bench_parser_growth: for each parser Attune has, a generator of a well-formed input
// of n items (tensors, rows, keys, tasks, lines, weights, layers, words) and the parse to time. Each
// parse returns how many items it read, so that --check can prove the generated input is what the
// parser accepts (and the timed parse did the work) without any time threshold.

#include "core/common/Result.h"

#include <QString>

#include <functional>
#include <vector>

namespace attune::bench {

// One parse of a prepared input: the number of items read, or the parser's error.
using Parse = std::function<Result<qint64>()>;

struct ParserCase {
  QString parser;  // "safetensors header"
  QString unit;    // "tensors": what n counts
  int normal = 0;  // n of a normal input (1x)
  // Writes the input of n items (in memory, or under `folder`) and returns its parse, which reads
  // exactly n items.
  std::function<Result<Parse>(int n, const QString& folder)> prepare;
};

std::vector<ParserCase> parserCases();

}  // namespace attune::bench
