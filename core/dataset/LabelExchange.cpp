#include "core/dataset/LabelExchange.h"

#include "core/common/AtomicFile.h"
#include "core/common/BoundedJson.h"
#include "core/common/FileRead.h"
#include "core/data/TextTable.h"
#include "core/dataset/ProjectData.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>

#include <algorithm>
#include <map>

namespace attune {
namespace {

// A Label Studio task nests 7 levels deep (task, annotations, annotation, result, its value, choices);
// a hostile file of '[' is refused after this many instead of becoming millions of nested values.
constexpr int kMaxJsonDepth = 64;

Status writeAll(const QString& path, const QByteArray& bytes) {
  return AtomicFile::writeFile(path, bytes);
}

// Finds the project's item a name from another tool means: the key itself, a path whose last parts
// are a key (an absolute path, a URL, Label Studio's "?d=" local file), or a file name found once
// (without Label Studio's 8-hex-digit upload prefix, if it has one).
class ItemMatcher {
 public:
  explicit ItemMatcher(const ProjectItems& items) : m_items(items) {
    for (qsizetype i = 0; i < items.keys.size(); ++i) {
      if (items.task == TaskKind::TextClassification) {
        m_byText[items.items[i]].push_back(int(i));
      } else {
        m_byKey.insert(items.keys[i], int(i));
        const QString name = QFileInfo(items.keys[i]).fileName();
        m_byName[name] = m_byName.contains(name) ? -1 : int(i);
      }
    }
  }

  // The items `reference` names (several for a text found more than once); empty when none.
  std::vector<int> find(const QString& reference) const {
    if (m_items.task == TaskKind::TextClassification) {
      const auto it = m_byText.find(reference);
      return it == m_byText.end() ? std::vector<int>{} : it->second;
    }
    QString path = reference.trimmed();
    const QUrl url(path);
    if (QUrlQuery query(url); query.hasQueryItem(QStringLiteral("d")))
      path = query.queryItemValue(QStringLiteral("d"), QUrl::FullyDecoded);
    else if (url.isValid() && !url.scheme().isEmpty() && url.scheme().size() > 1)
      path = url.path(QUrl::FullyDecoded);
    path = QDir::fromNativeSeparators(path);
    const QStringList parts = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    for (qsizetype first = 0; first < parts.size(); ++first) {
      const QString suffix = parts.mid(first).join(QLatin1Char('/'));
      if (auto it = m_byKey.constFind(suffix); it != m_byKey.constEnd()) return {*it};
    }
    if (parts.isEmpty()) return {};
    static const QRegularExpression uploadPrefix(QStringLiteral("^[0-9a-f]{8}-"));
    QString name = parts.last();
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (auto it = m_byName.find(name); it != m_byName.end() && it->second >= 0) return {it->second};
      name.remove(uploadPrefix);
    }
    return {};
  }

 private:
  const ProjectItems& m_items;
  QHash<QString, int> m_byKey;
  std::map<QString, int> m_byName;  // -1: the name is taken by several images
  std::map<QString, std::vector<int>> m_byText;
};

// Counts problems of one kind for a single note ("3 rows name no image of the project: a.png, ...").
struct ProblemCount {
  int count = 0;
  QStringList examples;
  void add(const QString& example) {
    if (++count <= 3) examples << example;
  }
  void noteInto(QStringList& notes, const QString& what) const {
    if (count == 0) return;
    notes << QStringLiteral("%1 %2%3").arg(count).arg(
        what, examples.isEmpty() ? QString()
                                 : QStringLiteral(": ") + examples.join(QStringLiteral(", ")) +
                                       (count > 3 ? QStringLiteral(", ...") : QString()));
  }
};

// Collects the matches into an import; the later row wins for an item named twice. The items already
// taken are found in a hash: an import of n rows costs n steps, not n².
class MatchCollector {
 public:
  explicit MatchCollector(LabelImport& import) : m_import(import) {}

  void add(const ProjectItems& items, const std::vector<int>& found, const QString& label) {
    for (int index : found) {
      const QString& key = items.keys[index];
      if (const auto earlier = m_position.constFind(key); earlier != m_position.constEnd()) {
        m_import.classNames[*earlier] = label;
        continue;
      }
      m_position.insert(key, m_import.keys.size());
      m_import.keys << key;
      m_import.classNames << label;
    }
  }

 private:
  LabelImport& m_import;
  QHash<QString, qsizetype> m_position;  // index in m_import.keys
};

// How messages name a task: "task <its id>", or its place in the list.
QString taskName(const nlohmann::json& task, int position) {
  if (task.is_object() && task.contains("id") && task["id"].is_number_integer())
    return QStringLiteral("task %1").arg(task["id"].get<long long>());
  return QStringLiteral("task %1").arg(position);
}

QString labelStudioImageUrl(const QString& key) {
  return QStringLiteral("/data/local-files/?d=") + QString::fromUtf8(QUrl::toPercentEncoding(key, "/"));
}

nlohmann::json choice(const QString& className, bool texts) {
  return {{"from_name", "label"},
          {"to_name", texts ? "text" : "image"},
          {"type", "choices"},
          {"value", {{"choices", {className.toStdString()}}}}};
}

}  // namespace

Result<ProjectItems> readProjectItems(const Project& project) {
  ProjectItems items;
  items.task = project.task;
  if (project.task == TaskKind::TextClassification) {
    auto texts = readProjectTexts(project);
    if (!texts) return texts.error();
    std::vector<const TextSample*> all;
    for (const auto* samples : {&texts->labelled, &texts->unlabelled})
      for (const TextSample& sample : *samples) all.push_back(&sample);
    std::sort(all.begin(), all.end(),
              [](const TextSample* a, const TextSample* b) { return a->line < b->line; });
    for (const TextSample* sample : all) {
      items.keys << textItemKey(project.data.table, sample->line);
      items.items << sample->text;
      items.classes << texts->classes.value(sample->label);
    }
    return items;
  }
  auto images = readProjectImagePool(project);
  if (!images) return images.error();
  items.root = images->root;
  std::map<QString, QString> byKey;  // file order: by path under the folder
  std::map<QString, QString> paths;
  for (const ImageSample& sample : images->samples) {
    const QString key = imageItemKey(images->root, sample.path);
    byKey[key] = images->classes.value(sample.label);
    paths[key] = sample.path;
  }
  for (const QString& path : images->unlabelled) {
    const QString key = imageItemKey(images->root, path);
    byKey[key] = QString();
    paths[key] = path;
  }
  for (const auto& [key, className] : byKey) {
    items.keys << key;
    items.items << paths[key];
    items.classes << className;
  }
  return items;
}

Result<LabelImport> importLabelsCsv(const Project& project, const QString& path) {
  auto table = TextTable::read(path);
  if (!table) return table.error();
  const bool texts = project.task == TaskKind::TextClassification;
  int labelColumn = -1;
  for (const char* name : {"label", "class", "category"})
    if (labelColumn < 0) labelColumn = table->columnIndex(QString::fromLatin1(name));
  int itemColumn = -1;
  const std::vector<const char*> itemNames =
      texts ? std::vector<const char*>{"text"}
            : std::vector<const char*>{"file", "path", "image", "filename"};
  for (const char* name : itemNames)
    if (itemColumn < 0) itemColumn = table->columnIndex(QString::fromLatin1(name));
  if (labelColumn < 0 || itemColumn < 0)
    return Error(
        ErrorCode::BadFormat,
        QStringLiteral("%1 needs a column '%2' and a column 'label'; it has %3.")
            .arg(QDir::toNativeSeparators(path), texts ? QStringLiteral("text") : QStringLiteral("file"),
                 table->columns.join(QStringLiteral(", "))),
        QStringLiteral("Name the columns so, or export the labels from Attune to see the form."));
  auto items = readProjectItems(project);
  if (!items) return items.error();
  const ItemMatcher matcher(*items);
  LabelImport import;
  MatchCollector matches(import);
  ProblemCount unmatched;
  ProblemCount unlabelled;
  for (const TextTableRow& row : table->rows) {
    ++import.rows;
    // A file Attune exported marks formula-like cells with a quote (csvField): taken off again.
    const QString label = fromCsvField(row.cells[labelColumn]).trimmed();
    const QString reference = fromCsvField(row.cells[itemColumn]);
    if (label.isEmpty()) {
      unlabelled.add(table->position(row.line));
      continue;
    }
    const std::vector<int> found = matcher.find(texts ? reference : reference.trimmed());
    if (found.empty()) {
      unmatched.add(texts ? table->position(row.line) : reference);
      continue;
    }
    matches.add(*items, found, label);
  }
  unmatched.noteInto(import.notes, texts ? QStringLiteral("rows hold a text the project does not have")
                                         : QStringLiteral("rows name no image of the project"));
  unlabelled.noteInto(import.notes, QStringLiteral("rows have no label and were passed over"));
  for (const SkippedRow& skipped : table->skipped)
    import.notes
        << QStringLiteral("%1 could not be read: %2").arg(table->position(skipped.line), skipped.reason);
  return import;
}

Result<LabelImport> importLabelStudio(const Project& project, const QString& path) {
  QFile file;  // a regular file only: a named pipe would block, a device never end
  if (auto opened =
          openRegularFile(file, path, kMaxLargeTextBytes, QStringLiteral("the Label Studio export"));
      !opened)
    return opened.error();
  const QByteArray bytes = file.readAll();
  const BoundedJson parsed =
      parseBoundedJson(bytes.constData(), bytes.constData() + bytes.size(), kMaxJsonDepth);
  if (parsed.failure == BoundedJson::Failure::TooDeep)
    return Error(
        ErrorCode::BadFormat,
        QStringLiteral("%1 nests its values more than %2 levels deep; a Label Studio export does not.")
            .arg(QDir::toNativeSeparators(path))
            .arg(kMaxJsonDepth),
        QStringLiteral("In Label Studio, export the project as JSON."));
  const nlohmann::json& document = parsed.value;
  if (!document.is_array())
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("%1 is not a Label Studio export (a JSON list of tasks).")
                     .arg(QDir::toNativeSeparators(path)),
                 QStringLiteral("In Label Studio, export the project as JSON."));
  auto items = readProjectItems(project);
  if (!items) return items.error();
  const bool texts = project.task == TaskKind::TextClassification;
  const ItemMatcher matcher(*items);
  LabelImport import;
  MatchCollector matches(import);
  ProblemCount unmatched;
  ProblemCount unanswered;
  ProblemCount several;
  for (const auto& task : document) {
    ++import.rows;
    if (!task.is_object() || !task.contains("data") || !task["data"].is_object()) {
      unmatched.add(taskName(task, import.rows));
      continue;
    }
    // The item: the data field of the task's kind, else its first text value.
    const auto& data = task["data"];
    QString reference;
    for (const char* field :
         texts ? std::vector<const char*>{"text"} : std::vector<const char*>{"image", "img", "url"})
      if (reference.isEmpty() && data.contains(field) && data[field].is_string())
        reference = QString::fromStdString(data[field].get<std::string>());
    if (reference.isEmpty())
      for (const auto& [name, value] : data.items())
        if (reference.isEmpty() && value.is_string())
          reference = QString::fromStdString(value.get<std::string>());
    // The latest annotation that was not cancelled, with one choice.
    QStringList choices;
    if (task.contains("annotations") && task["annotations"].is_array())
      for (const auto& annotation : task["annotations"]) {
        // Read by type: a field of an unexpected type (a string "was_cancelled", a number "type") passes
        // the annotation over instead of throwing out of the import (nlohmann's value() would).
        if (!annotation.is_object()) continue;
        if (const auto cancelled = annotation.find("was_cancelled");
            cancelled != annotation.end() && (!cancelled->is_boolean() || cancelled->get<bool>()))
          continue;
        if (!annotation.contains("result") || !annotation["result"].is_array()) continue;
        QStringList found;
        for (const auto& result : annotation["result"])
          if (result.is_object() && result.contains("type") && result["type"].is_string() &&
              result["type"].get<std::string>() == "choices" && result.contains("value") &&
              result["value"].contains("choices") && result["value"]["choices"].is_array())
            for (const auto& c : result["value"]["choices"])
              if (c.is_string()) found << QString::fromStdString(c.get<std::string>());
        if (!found.isEmpty()) choices = found;
      }
    if (choices.isEmpty()) {
      unanswered.add(taskName(task, import.rows));
      continue;
    }
    if (choices.size() > 1) {
      several.add(taskName(task, import.rows));
      continue;
    }
    const std::vector<int> found = matcher.find(reference);
    if (found.empty()) {
      unmatched.add(texts ? taskName(task, import.rows) : reference);
      continue;
    }
    matches.add(*items, found, choices.first().trimmed());
  }
  unmatched.noteInto(import.notes, texts ? QStringLiteral("tasks hold a text the project does not have")
                                         : QStringLiteral("tasks name no image of the project"));
  unanswered.noteInto(import.notes,
                      QStringLiteral("tasks have no annotation with a choice and were passed over"));
  several.noteInto(
      import.notes,
      QStringLiteral("tasks have several choices (Attune gives one class per item) and were passed over"));
  return import;
}

Status exportLabelsCsv(const Project& project, const QString& path) {
  auto items = readProjectItems(project);
  if (!items) return items.error();
  const bool texts = items->task == TaskKind::TextClassification;
  QByteArray bytes = texts ? "text,label\n" : "file,label\n";
  for (qsizetype i = 0; i < items->keys.size(); ++i)
    bytes += (csvField(texts ? items->items[i] : items->keys[i]) + QLatin1Char(',') +
              csvField(items->classes[i]) + QLatin1Char('\n'))
                 .toUtf8();
  return writeAll(path, bytes);
}

Status exportLabelStudio(const Project& project, const QString& path,
                         const QHash<QString, ItemPrediction>& predictions, const QString& modelVersion) {
  auto items = readProjectItems(project);
  if (!items) return items.error();
  const bool texts = items->task == TaskKind::TextClassification;
  nlohmann::json tasks = nlohmann::json::array();
  for (qsizetype i = 0; i < items->keys.size(); ++i) {
    nlohmann::json task;
    task["id"] = i + 1;
    task["data"] = texts ? nlohmann::json{{"text", items->items[i].toStdString()}}
                         : nlohmann::json{{"image", labelStudioImageUrl(items->keys[i]).toStdString()}};
    task["meta"] = {{"attune_key", items->keys[i].toStdString()}};
    task["annotations"] = nlohmann::json::array();
    if (!items->classes[i].isEmpty())
      task["annotations"].push_back(
          {{"result", {choice(items->classes[i], texts)}}, {"was_cancelled", false}});
    task["predictions"] = nlohmann::json::array();
    if (auto it = predictions.constFind(items->keys[i]); it != predictions.constEnd())
      task["predictions"].push_back({{"model_version", modelVersion.toStdString()},
                                     {"score", it->score},
                                     {"result", {choice(it->className, texts)}}});
    tasks.push_back(std::move(task));
  }
  return writeAll(path, QByteArray::fromStdString(tasks.dump(1)) + '\n');
}

Result<int> exportClassFolders(const Project& project, const QString& directory) {
  if (project.task != TaskKind::ImageClassification)
    return Error(ErrorCode::BadValue, QStringLiteral("Only images can be exported as class folders."),
                 QStringLiteral("Export the labels as a CSV instead."));
  const QDir target(directory);
  if (target.exists() && !target.isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden))
    return Error(ErrorCode::BadValue,
                 QStringLiteral("%1 is not empty.").arg(QDir::toNativeSeparators(directory)),
                 QStringLiteral("Choose a new or empty folder; nothing in it is ever overwritten."));
  auto items = readProjectItems(project);
  if (!items) return items.error();
  if (QFileInfo(directory).absoluteFilePath().startsWith(items->root + QLatin1Char('/')) ||
      QFileInfo(directory).absoluteFilePath() == items->root)
    return Error(ErrorCode::BadValue,
                 QStringLiteral("The class folders cannot go inside the image folder itself."),
                 QStringLiteral("Choose a folder elsewhere."));
  int copied = 0;
  for (qsizetype i = 0; i < items->keys.size(); ++i) {
    const QString& className = items->classes[i];
    if (className.isEmpty()) continue;
    // A class name is a folder name here: keep it to one path part.
    QString folderName = className;
    folderName.replace(QLatin1Char('/'), QLatin1Char('_')).replace(QLatin1Char('\\'), QLatin1Char('_'));
    if (folderName == QLatin1String(".") || folderName == QLatin1String(".."))
      folderName = QStringLiteral("_");
    const QString classDir = target.filePath(folderName);
    if (!QDir().mkpath(classDir))
      return Error(ErrorCode::FileUnwritable,
                   QStringLiteral("Cannot create %1.").arg(QDir::toNativeSeparators(classDir)),
                   QStringLiteral("Choose a folder you may write to."));
    const QFileInfo source(items->items[i]);
    QString name = source.fileName();
    for (int n = 2; QFileInfo::exists(QDir(classDir).filePath(name)); ++n)
      name = QStringLiteral("%1-%2%3")
                 .arg(source.completeBaseName())
                 .arg(n)
                 .arg(source.suffix().isEmpty() ? QString() : QLatin1Char('.') + source.suffix());
    if (auto copy = AtomicFile::copyFile(source.absoluteFilePath(), QDir(classDir).filePath(name)); !copy)
      return Error(
          copy.error().code,
          QStringLiteral("%1 (%2 images were copied before it.)").arg(copy.error().message).arg(copied),
          copy.error().hint);
    ++copied;
  }
  return copied;
}

}  // namespace attune
