#include "parser_growth_inputs.h"

#include "core/data/TextTable.h"
#include "core/data/WordPieceFiles.h"
#include "core/data/WordVocabulary.h"
#include "core/dataset/LabelExchange.h"
#include "core/models/detail/KerasTopology.h"
#include "core/project/LabelJournal.h"
#include "core/project/ProjectFile.h"
#include "core/weights/PyTorchCheckpointReader.h"
#include "core/weights/SafetensorsReader.h"
#include "core/weights/SafetensorsWriter.h"
#include "core/weights/TfjsModel.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QtEndian>

namespace attune::bench {
namespace {

using nlohmann::json;

Status writeFile(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
    return Error(ErrorCode::FileUnwritable, QStringLiteral("Cannot write %1.").arg(path));
  return {};
}

QByteArray dump(const json& value) {
  return QByteArray::fromStdString(value.dump());
}

// A distinct, plausible text per row (a label import matches texts one to one).
QByteArray textOf(int i) {
  return "review number " + QByteArray::number(i) + " says the product works well enough";
}

QByteArray classOf(int i) {
  return "class" + QByteArray::number(i % 5);
}

// --- safetensors and PyTorch checkpoints --------------------------------------------------------

void putU16(QByteArray& out, uint16_t v) {
  char b[2];
  qToLittleEndian(v, b);
  out.append(b, 2);
}
void putU32(QByteArray& out, uint32_t v) {
  char b[4];
  qToLittleEndian(v, b);
  out.append(b, 4);
}

void pickleText(QByteArray& out, const QByteArray& text) {
  out += 'X';
  putU32(out, uint32_t(text.size()));
  out += text;
}

void pickleInt(QByteArray& out, uint32_t value) {
  if (value < 256) {
    out += 'K';
    out += char(value);
  } else {
    out += 'J';
    putU32(out, value);
  }
}

// The data.pkl torch.save writes for a state dict of n one-element float tensors (protocol 2).
QByteArray statePickle(int n) {
  QByteArray p("\x80\x02", 2);
  p += "ccollections\nOrderedDict\n)R(";
  for (int i = 0; i < n; ++i) {
    pickleText(p, "layer" + QByteArray::number(i) + ".weight");
    p += "ctorch._utils\n_rebuild_tensor_v2\n((";
    pickleText(p, "storage");
    p += "ctorch\nFloatStorage\n";
    pickleText(p, QByteArray::number(i));
    pickleText(p, "cpu");
    pickleInt(p, 1);
    p += "tQ";
    pickleInt(p, 0);  // storage offset
    pickleInt(p, 1);  // size (1,)
    p += '\x85';      // TUPLE1
    pickleInt(p, 1);  // stride (1,)
    p += '\x85';
    p += '\x89';  // requires_grad False
    p += "ccollections\nOrderedDict\n)Rt";
    p += 'R';
  }
  p += "u.";
  return p;
}

// A stored (uncompressed) zip, as torch.save writes one; CRCs are left zero (the reader does not
// check them).
QByteArray storedZip(const std::vector<std::pair<QByteArray, QByteArray>>& files) {
  QByteArray zip;
  QByteArray directory;
  for (const auto& [name, data] : files) {
    const auto offset = uint32_t(zip.size());
    putU32(zip, 0x04034b50);
    for (uint16_t v : {20, 0, 0, 0, 0}) putU16(zip, v);
    for (uint32_t v : {0u, uint32_t(data.size()), uint32_t(data.size())}) putU32(zip, v);
    putU16(zip, uint16_t(name.size()));
    putU16(zip, 0);
    zip += name;
    zip += data;
    putU32(directory, 0x02014b50);
    for (uint16_t v : {20, 20, 0, 0, 0, 0}) putU16(directory, v);
    for (uint32_t v : {0u, uint32_t(data.size()), uint32_t(data.size())}) putU32(directory, v);
    for (uint16_t v : {uint16_t(name.size()), uint16_t(0), uint16_t(0), uint16_t(0), uint16_t(0)})
      putU16(directory, v);
    putU32(directory, 0);
    putU32(directory, offset);
    directory += name;
  }
  const auto directoryOffset = uint32_t(zip.size());
  zip += directory;
  putU32(zip, 0x06054b50);
  putU16(zip, 0);
  putU16(zip, 0);
  putU16(zip, uint16_t(files.size()));
  putU16(zip, uint16_t(files.size()));
  putU32(zip, uint32_t(directory.size()));
  putU32(zip, directoryOffset);
  putU16(zip, 0);
  return zip;
}

// Written here rather than by SafetensorsWriter, whose own cost would dominate the set-up.
QByteArray safetensorsFile(int n) {
  QByteArray header = "{";
  for (int i = 0; i < n; ++i)
    header += (i ? ",\"layer" : "\"layer") + QByteArray::number(i) +
              ".weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[" + QByteArray::number(4 * i) +
              "," + QByteArray::number(4 * i + 4) + "]}";
  header += "}";
  QByteArray file(8, '\0');
  qToLittleEndian<quint64>(quint64(header.size()), file.data());
  return file + header + QByteArray(4 * n, '\1');
}

Result<Parse> safetensorsCase(int n, const QString&) {
  return Parse([bytes = safetensorsFile(n)]() -> Result<qint64> {
    auto content = SafetensorsReader::parse(bytes);
    if (!content) return content.error();
    return qint64(content->tensors.size());
  });
}

Result<Parse> checkpointCase(int n, const QString&) {
  std::vector<std::pair<QByteArray, QByteArray>> files{{"model/data.pkl", statePickle(n)}};
  for (int i = 0; i < n; ++i) files.emplace_back("model/data/" + QByteArray::number(i), QByteArray(4, '\0'));
  files.emplace_back("model/version", "3\n");
  const QByteArray zip = storedZip(files);
  return Parse([zip]() -> Result<qint64> {
    auto checkpoint = PyTorchCheckpointReader::parse(zip);
    if (!checkpoint) return checkpoint.error();
    return qint64(checkpoint->tensors.size());
  });
}

// --- text tables --------------------------------------------------------------------------------

Parse tableParse(const QByteArray& bytes, TextTableFormat format, bool countColumns) {
  return [bytes, format, countColumns]() -> Result<qint64> {
    auto table = TextTable::parse(bytes, format, QStringLiteral("bench"));
    if (!table) return table.error();
    return countColumns ? qint64(table->columns.size()) : qint64(table->rows.size());
  };
}

Result<Parse> csvRowsCase(int n, const QString&) {
  QByteArray bytes = "text,label\n";
  for (int i = 0; i < n; ++i) bytes += "\"" + textOf(i) + ", with a comma\"," + classOf(i) + "\n";
  return tableParse(bytes, TextTableFormat::Csv, false);
}

// Every column named "text": the header's names are made unique ("text (2)", ...).
Result<Parse> csvColumnsCase(int n, const QString&) {
  QByteArrayList names(n, "text");
  QByteArrayList cells;
  for (int i = 0; i < n; ++i) cells << QByteArray::number(i);
  return tableParse(names.join(',') + "\n" + cells.join(',') + "\n", TextTableFormat::Csv, true);
}

Result<Parse> tsvRowsCase(int n, const QString&) {
  QByteArray bytes = "text\tlabel\n";
  for (int i = 0; i < n; ++i) bytes += textOf(i) + "\t" + classOf(i) + "\n";
  return tableParse(bytes, TextTableFormat::Tsv, false);
}

Result<Parse> jsonlRowsCase(int n, const QString&) {
  QByteArray bytes;
  for (int i = 0; i < n; ++i)
    bytes +=
        dump({{"text", textOf(i).toStdString()}, {"label", classOf(i).toStdString()}, {"score", i * 0.5}}) +
        "\n";
  return tableParse(bytes, TextTableFormat::Jsonl, false);
}

// Ten records of n keys each (the same keys): n columns.
Result<Parse> jsonlKeysCase(int n, const QString&) {
  QByteArray record = "{";
  for (int k = 0; k < n; ++k)
    record += (k ? ",\"key" : "\"key") + QByteArray::number(k) + "\":" + QByteArray::number(k);
  record += "}\n";
  return tableParse(record.repeated(10), TextTableFormat::Jsonl, true);
}

Result<Parse> jsonArrayCase(int n, const QString&) {
  json entries = json::array();
  for (int i = 0; i < n; ++i)
    entries.push_back({{"text", textOf(i).toStdString()}, {"label", classOf(i).toStdString()}});
  return tableParse(dump(entries), TextTableFormat::Json, false);
}

// --- labels -------------------------------------------------------------------------------------

// A text project of n unlabelled texts (a CSV under `folder`), never saved (so no label journal).
Result<Project> textProject(int n, const QString& folder) {
  QByteArray table = "text\n";
  for (int i = 0; i < n; ++i) table += textOf(i) + "\n";
  Project project;
  project.task = TaskKind::TextClassification;
  project.data.table = QDir(folder).filePath(QStringLiteral("texts.csv"));
  project.data.textColumn = QStringLiteral("text");
  if (auto written = writeFile(project.data.table, table); !written) return written.error();
  return project;
}

Result<Parse> labelStudioCase(int n, const QString& folder) {
  auto project = textProject(n, folder);
  if (!project) return project.error();
  json tasks = json::array();
  for (int i = 0; i < n; ++i) {
    json result = {{"type", "choices"}, {"value", {{"choices", {classOf(i).toStdString()}}}}};
    tasks.push_back({{"id", i + 1},
                     {"data", {{"text", textOf(i).toStdString()}}},
                     {"annotations", {{{"was_cancelled", false}, {"result", {result}}}}}});
  }
  const QString path = QDir(folder).filePath(QStringLiteral("label-studio.json"));
  if (auto written = writeFile(path, dump(tasks)); !written) return written.error();
  return Parse([project = *project, path]() -> Result<qint64> {
    auto import = importLabelStudio(project, path);
    if (!import) return import.error();
    return qint64(import->keys.size());
  });
}

Result<Parse> labelCsvCase(int n, const QString& folder) {
  auto project = textProject(n, folder);
  if (!project) return project.error();
  QByteArray labels = "text,label\n";
  for (int i = 0; i < n; ++i) labels += textOf(i) + "," + classOf(i) + "\n";
  const QString path = QDir(folder).filePath(QStringLiteral("labels.csv"));
  if (auto written = writeFile(path, labels); !written) return written.error();
  return Parse([project = *project, path]() -> Result<qint64> {
    auto import = importLabelsCsv(project, path);
    if (!import) return import.error();
    return qint64(import->keys.size());
  });
}

// n lines: labels of n items, with a class added every 100 lines and one renamed every 1,000.
Result<Parse> journalCase(int n, const QString& folder) {
  QByteArray lines = "{\"attune_label_journal\":1}\n";
  int added = 0;
  for (int i = 0; i < n; ++i) {
    if (i % 100 == 50) {
      lines += dump({{"op", "add_class"}, {"class", "added" + std::to_string(added++)}}) + "\n";
    } else if (i % 1000 == 999) {
      lines +=
          dump({{"op", "rename_class"}, {"class", "added0"}, {"to", "renamed" + std::to_string(i)}}) + "\n";
      lines += dump({{"op", "add_class"}, {"class", "added0"}}) + "\n";
    } else {
      lines += dump({{"op", "set"},
                     {"item", "texts.csv:" + std::to_string(i + 2)},
                     {"class", classOf(i).toStdString()}}) +
               "\n";
    }
  }
  const QString path = QDir(folder).filePath(QStringLiteral("bench.labels.jsonl"));
  if (auto written = writeFile(path, lines); !written) return written.error();
  // Each step i labels an item or adds a class (a rename and the add after it leave one class more):
  // n items and classes together.
  return Parse([path]() -> Result<qint64> {
    auto journal = LabelJournal::open(path);
    if (!journal) return journal.error();
    const LabelState& state = (*journal)->state();
    return qint64(state.itemLabels.size()) + qint64(state.addedClasses.size());
  });
}

// n lines: labels of n/2 items over 10 classes, each followed by a rename or (every fifth) a delete of
// one of them, which moves every label of that class (a rename was once a walk over all labels).
Result<Parse> journalRenamesCase(int n, const QString& folder) {
  QByteArray lines = "{\"attune_label_journal\":1}\n";
  for (int i = 0; i < n; ++i) {
    const int item = i / 2;
    const std::string name = "k" + std::to_string(item % 10);
    if (i % 2 == 0)
      lines +=
          dump({{"op", "set"}, {"item", "texts.csv:" + std::to_string(item + 2)}, {"class", name}}) + "\n";
    else if (item % 5 == 4)
      lines += dump({{"op", "delete_class"}, {"class", name}}) + "\n";
    else
      lines += dump({{"op", "rename_class"}, {"class", name}, {"to", "r" + std::to_string(item)}}) + "\n";
  }
  const QString path = QDir(folder).filePath(QStringLiteral("renames.labels.jsonl"));
  if (auto written = writeFile(path, lines); !written) return written.error();
  // Each label line is read, and each rename or delete moved the label before it away from its "k" class.
  return Parse([path]() -> Result<qint64> {
    auto journal = LabelJournal::open(path);
    if (!journal) return journal.error();
    qint64 read = 0;
    for (const auto& [item, label] : (*journal)->state().itemLabels)
      read += label.startsWith(QLatin1Char('k')) ? 1 : 2;
    return read;
  });
}

// The journal's labels applied to n items of n/100 classes (ProjectData's relabelling).
Result<Parse> relabelCase(int n, const QString&) {
  const int classCount = std::max(2, n / 100);
  QStringList dataClasses;
  for (int c = 0; c < classCount; ++c) dataClasses << QStringLiteral("class%1").arg(c);
  QStringList keys;
  QStringList dataLabels;
  LabelState state;
  for (int i = 0; i < n; ++i) {
    keys << QStringLiteral("images/%1.png").arg(i);
    dataLabels << dataClasses[i % classCount];
    if (i % 3 == 0) state.itemLabels[keys.back()] = QStringLiteral("made%1").arg(i % classCount);
  }
  return Parse([state, dataClasses, keys, dataLabels]() -> Result<qint64> {
    const RelabelledItems items = relabel(state, dataClasses, keys, dataLabels);
    return qint64(std::count_if(items.labels.begin(), items.labels.end(), [](int l) { return l >= 0; }));
  });
}

// --- project file, TF.js, Keras, vocabularies ---------------------------------------------------

Result<Parse> projectFileCase(int n, const QString& folder) {
  Project project;
  project.name = QStringLiteral("bench");
  project.data.folder = QDir(folder).filePath(QStringLiteral("images"));
  for (int i = 0; i < 10; ++i) project.classes << QStringLiteral("class%1").arg(i);
  for (int i = 0; i < n; ++i) {
    RunRecord run;
    run.id = QStringLiteral("run-%1").arg(i, 5, 10, QLatin1Char('0'));
    run.startedAt = QStringLiteral("2026-12-07T12:00:00Z");
    run.epochsCompleted = 5;
    run.bestEpoch = 3;
    run.bestValAccuracy = 0.9;
    run.message = QStringLiteral("finished");
    project.runs.push_back(run);
  }
  const QString path = QDir(folder).filePath(QStringLiteral("bench.attune"));
  if (auto written = writeFile(path, ProjectFile::serialize(project, path)); !written) return written.error();
  return Parse([path]() -> Result<qint64> {
    auto project = ProjectFile::load(path);
    if (!project) return project.error();
    return qint64(project->runs.size());
  });
}

json denseLayer(int i) {
  return {{"class_name", "Dense"},
          {"config", {{"name", "dense_" + std::to_string(i)}, {"units", 4}, {"activation", "relu"}}}};
}

json sequentialTopology(int n) {
  json layers = json::array();
  layers.push_back(
      {{"class_name", "InputLayer"}, {"config", {{"name", "input"}, {"batch_input_shape", {nullptr, 4}}}}});
  for (int i = 0; i < n; ++i) layers.push_back(denseLayer(i));
  return {{"class_name", "Sequential"}, {"config", {{"name", "bench"}, {"layers", layers}}}};
}

Result<Parse> tfjsCase(int n, const QString&) {
  json weights = json::array();
  for (int i = 0; i < n; ++i)
    weights.push_back(
        {{"name", "dense_" + std::to_string(i) + "/bias"}, {"shape", {1}}, {"dtype", "float32"}});
  const json model = {{"format", "layers-model"},
                      {"modelTopology", {{"model_config", sequentialTopology(1)}}},
                      {"weightsManifest", {{{"paths", {"group1-shard1of1.bin"}}, {"weights", weights}}}}};
  const QByteArray text = dump(model);
  const QByteArray shard(4 * n, '\0');
  return Parse([text, shard]() -> Result<qint64> {
    auto parsed = parseTfjsModel(text, [&shard](const QString&) -> Result<QByteArray> { return shard; });
    if (!parsed) return parsed.error();
    return qint64(parsed->weights.size());
  });
}

Result<Parse> kerasCase(int n, const QString&) {
  const json config = sequentialTopology(n);
  return Parse([config]() -> Result<qint64> {
    auto topology = detail::parseKerasTopology(config);
    if (!topology) return topology.error();
    return qint64(topology->nodes.size()) - 1;  // the input layer is a node too
  });
}

// n tokens: the five special ones, then words.
QStringList vocabulary(int n) {
  QStringList tokens{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (int i = int(tokens.size()); i < n; ++i)
    tokens << (i % 2 ? QStringLiteral("word%1").arg(i) : QStringLiteral("##piece%1").arg(i));
  return tokens;
}

Result<Parse> vocabTxtCase(int n, const QString& folder) {
  const QString path = QDir(folder).filePath(QStringLiteral("vocab.txt"));
  if (auto written = writeFile(path, vocabulary(n).join(QLatin1Char('\n')).toUtf8() + "\n"); !written)
    return written.error();
  return Parse([path]() -> Result<qint64> {
    auto tokenizer = loadWordPieceVocabTxt(path);
    if (!tokenizer) return tokenizer.error();
    return qint64(tokenizer->vocabSize());
  });
}

Result<Parse> tokenizerJsonCase(int n, const QString& folder) {
  json vocab = json::object();
  const QStringList tokens = vocabulary(n);
  for (int i = 0; i < tokens.size(); ++i) vocab[tokens[i].toStdString()] = i;
  const json tokenizer = {{"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
                          {"model", {{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"vocab", vocab}}}};
  const QString path = QDir(folder).filePath(QStringLiteral("tokenizer.json"));
  if (auto written = writeFile(path, dump(tokenizer)); !written) return written.error();
  return Parse([path]() -> Result<qint64> {
    auto tokenizer = loadWordPieceTokenizerJson(path);
    if (!tokenizer) return tokenizer.error();
    return qint64(tokenizer->vocabSize());
  });
}

Result<Parse> wordVectorsCase(int n, const QString&) {
  json words = json::array();
  for (int i = 0; i < n; ++i) words.push_back("word" + std::to_string(i));
  TensorData vectors;
  vectors.dtype = DType::F32;
  vectors.shape = {n + WordVocabulary::kFirstWordId, 1};
  vectors.bytes = QByteArray(4 * (n + int(WordVocabulary::kFirstWordId)), '\0');
  TensorMap tensors;
  tensors.emplace(WordVocabulary::kVectorsTensor, std::move(vectors));
  auto bytes = SafetensorsWriter::serialize(tensors, {{WordVocabulary::kWordsKey, words.dump()}});
  if (!bytes) return bytes.error();
  return Parse([bytes = *bytes]() -> Result<qint64> {
    auto content = SafetensorsReader::parse(bytes);
    if (!content) return content.error();
    auto vocabulary = WordVocabulary::fromContent(*content, QStringLiteral("bench.safetensors"));
    if (!vocabulary) return vocabulary.error();
    return qint64(vocabulary->words().size());
  });
}

}  // namespace

std::vector<ParserCase> parserCases() {
  return {
      {QStringLiteral("safetensors header"), QStringLiteral("tensors"), 1000, safetensorsCase},
      {QStringLiteral("PyTorch checkpoint (zip+pickle)"), QStringLiteral("tensors"), 500, checkpointCase},
      {QStringLiteral("CSV rows"), QStringLiteral("rows"), 10000, csvRowsCase},
      {QStringLiteral("CSV header, one repeated name"), QStringLiteral("columns"), 100, csvColumnsCase},
      {QStringLiteral("TSV rows"), QStringLiteral("rows"), 10000, tsvRowsCase},
      {QStringLiteral("JSON Lines rows"), QStringLiteral("rows"), 10000, jsonlRowsCase},
      {QStringLiteral("JSON Lines keys per record"), QStringLiteral("keys"), 100, jsonlKeysCase},
      {QStringLiteral("JSON array rows"), QStringLiteral("rows"), 10000, jsonArrayCase},
      {QStringLiteral("Label Studio import"), QStringLiteral("tasks"), 1000, labelStudioCase},
      {QStringLiteral("CSV label import"), QStringLiteral("rows"), 1000, labelCsvCase},
      {QStringLiteral("label journal replay"), QStringLiteral("lines"), 1000, journalCase},
      {QStringLiteral("label journal, renames"), QStringLiteral("lines"), 1000, journalRenamesCase},
      {QStringLiteral("labels applied (relabel)"), QStringLiteral("items"), 1000, relabelCase},
      {QStringLiteral("project file"), QStringLiteral("runs"), 100, projectFileCase},
      {QStringLiteral("TF.js manifest"), QStringLiteral("weights"), 100, tfjsCase},
      {QStringLiteral("Keras topology"), QStringLiteral("layers"), 100, kerasCase},
      {QStringLiteral("WordPiece vocab.txt"), QStringLiteral("words"), 3000, vocabTxtCase},
      {QStringLiteral("WordPiece tokenizer.json"), QStringLiteral("words"), 3000, tokenizerJsonCase},
      {QStringLiteral("word vectors word list"), QStringLiteral("words"), 1000, wordVectorsCase},
  };
}

}  // namespace attune::bench
