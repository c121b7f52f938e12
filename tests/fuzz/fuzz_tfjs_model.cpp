// Fuzz target: a TF.js layers model (core/weights/TfjsModel): model.json, or the JavaScript-wrapped
// variant, and its weight shards. The input is the model file's text, then each shard after a line
// "#shard" (kShardSeparator); the shards answer the manifest's paths in the order they are asked for.
#include "core/weights/TfjsModel.h"
#include "tests/fuzz/FuzzSupport.h"

#include <QList>

#include <map>

using namespace attune;

namespace {
constexpr char kShardSeparator[] = "\n#shard\n";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const QByteArray input(reinterpret_cast<const char*>(data), qsizetype(size));
  QList<QByteArray> pieces;
  qsizetype from = 0;
  const QByteArray separator(kShardSeparator);
  while (true) {
    const qsizetype at = input.indexOf(separator, from);
    if (at < 0) {
      pieces << input.mid(from);
      break;
    }
    pieces << input.mid(from, at - from);
    from = at + separator.size();
  }
  const QByteArray modelText = pieces.takeFirst();
  std::map<QString, int> asked;  // shard path -> index into pieces
  const TfjsBoundedShardLoader loader = [&](const QString& path, qint64 maxBytes) -> Result<QByteArray> {
    FUZZ_CHECK(maxBytes >= 0);
    auto [it, inserted] = asked.emplace(path, int(asked.size()));
    if (it->second >= pieces.size())
      return Error(ErrorCode::FileNotFound, QStringLiteral("No shard %1.").arg(path),
                   QStringLiteral("Put the shard next to model.json."));
    // As the file reader does: a shard larger than the manifest allows is not read.
    if (pieces[it->second].size() > maxBytes)
      return Error(ErrorCode::BadFormat, QStringLiteral("The shard %1 is too large.").arg(path),
                   QStringLiteral("Export the model again."));
    return pieces[it->second];
  };
  const auto model = parseTfjsModel(modelText, loader);
  if (!model) {
    fuzz::checkError(model.error());
    return 0;
  }
  // Every weight of the manifest is decoded to F32 in its shape.
  for (const TfjsWeightInfo& info : model->manifest) {
    const auto found = model->weights.find(info.name);
    FUZZ_CHECK(found != model->weights.end());
    FUZZ_CHECK(found->second.dtype == DType::F32);
    FUZZ_CHECK(found->second.shape == info.shape);
    const auto expected = checkedByteSize(DType::F32, info.shape);
    FUZZ_CHECK(expected.has_value() && *expected == found->second.bytes.size());
  }
  FUZZ_CHECK(model->weights.size() <= model->manifest.size());
  return 0;
}
