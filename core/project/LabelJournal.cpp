#include "core/project/LabelJournal.h"

#include "core/common/FileRead.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QSet>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace attune {
namespace {

constexpr int kJournalVersion = 1;

const char* kindName(LabelChange::Kind kind) {
  switch (kind) {
    case LabelChange::SetLabel:
      return "set";
    case LabelChange::AddClass:
      return "add_class";
    case LabelChange::RenameClass:
      return "rename_class";
    case LabelChange::DeleteClass:
      return "delete_class";
    case LabelChange::MapClass:
      return "map_class";
    case LabelChange::ResetLabel:
      return "unset";
  }
  return "set";
}

QByteArray lineOf(const LabelChange& change) {
  nlohmann::json line = {{"op", kindName(change.kind)}};
  if (change.kind == LabelChange::SetLabel || change.kind == LabelChange::ResetLabel)
    line["item"] = change.item.toStdString();
  line["class"] = change.className.toStdString();
  if (change.kind == LabelChange::RenameClass || change.kind == LabelChange::MapClass)
    line["to"] = change.newName.toStdString();
  return QByteArray::fromStdString(line.dump()) + '\n';
}

std::optional<LabelChange> changeOf(const nlohmann::json& line) {
  if (!line.is_object()) return std::nullopt;
  auto text = [&line](const char* key) -> std::optional<QString> {
    auto it = line.find(key);
    if (it == line.end() || !it->is_string()) return std::nullopt;
    return QString::fromStdString(it->get<std::string>());
  };
  const auto op = text("op");
  const auto className = text("class");
  if (!op || !className) return std::nullopt;
  LabelChange change;
  change.className = *className;
  if (*op == QLatin1String("set")) {
    const auto item = text("item");
    if (!item || item->isEmpty()) return std::nullopt;
    change.kind = LabelChange::SetLabel;
    change.item = *item;
  } else if (*op == QLatin1String("unset")) {
    const auto item = text("item");
    if (!item || item->isEmpty()) return std::nullopt;
    change.kind = LabelChange::ResetLabel;
    change.item = *item;
  } else if (*op == QLatin1String("add_class") && !className->isEmpty()) {
    change.kind = LabelChange::AddClass;
  } else if (*op == QLatin1String("rename_class") && !className->isEmpty()) {
    const auto to = text("to");
    if (!to || to->isEmpty()) return std::nullopt;
    change.kind = LabelChange::RenameClass;
    change.newName = *to;
  } else if (*op == QLatin1String("delete_class") && !className->isEmpty()) {
    change.kind = LabelChange::DeleteClass;
  } else if (*op == QLatin1String("map_class") && !className->isEmpty()) {
    const auto to = text("to");
    if (!to) return std::nullopt;
    change.kind = LabelChange::MapClass;
    change.newName = *to;
  } else {
    return std::nullopt;
  }
  return change;
}

Error writeError(const QString& path, const QString& why) {
  return Error(ErrorCode::FileUnwritable, QStringLiteral("Cannot save the label to %1: %2.").arg(path, why),
               QStringLiteral("Check that the disk is not full and the folder is writable; the label was not "
                              "made."));
}

// Writes all of `bytes` to `fd` and syncs it.
bool writeAndSync(int fd, const QByteArray& bytes) {
  qint64 written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.constData() + written, size_t(bytes.size() - written));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    written += n;
  }
  return ::fsync(fd) == 0;
}

}  // namespace

QString LabelState::currentClass(const QString& dataClass) const {
  if (dataClass.isEmpty()) return {};
  auto it = classMap.find(dataClass);
  return it == classMap.end() ? dataClass : it->second;
}

QString LabelState::classOf(const QString& item, const QString& dataLabel) const {
  if (auto it = itemLabels.find(item); it != itemLabels.end()) return it->second;
  return currentClass(dataLabel);
}

void LabelState::apply(const LabelChange& change) {
  switch (change.kind) {
    case LabelChange::SetLabel:
      itemLabels[change.item] = change.className;
      return;
    case LabelChange::ResetLabel:
      itemLabels.erase(change.item);
      return;
    case LabelChange::AddClass:
      if (!addedClasses.contains(change.className)) addedClasses << change.className;
      // A class of the data that was deleted and is added again is a class again.
      if (auto it = classMap.find(change.className); it != classMap.end() && it->second.isEmpty())
        classMap.erase(it);
      return;
    case LabelChange::MapClass:
      classMap[change.className] = change.newName;
      return;
    case LabelChange::RenameClass:
    case LabelChange::DeleteClass: {
      const QString to = change.kind == LabelChange::RenameClass ? change.newName : QString();
      for (auto& [item, label] : itemLabels)
        if (label == change.className) label = to;
      for (auto& [from, now] : classMap)
        if (now == change.className) now = to;
      // The data's own class of that name (if any) follows too.
      if (!classMap.count(change.className)) classMap[change.className] = to;
      const qsizetype added = addedClasses.indexOf(change.className);
      if (added >= 0) {
        if (to.isEmpty() || addedClasses.contains(to))
          addedClasses.removeAt(added);
        else
          addedClasses[added] = to;
      }
      return;
    }
  }
}

RelabelledItems relabel(const LabelState& state, const QStringList& dataClasses, const QStringList& keys,
                        const QStringList& dataLabels) {
  QStringList effective;
  effective.reserve(keys.size());
  QSet<QString> used;
  for (qsizetype i = 0; i < keys.size(); ++i) {
    effective << state.classOf(keys[i], dataLabels.value(i));
    if (!effective.back().isEmpty()) used.insert(effective.back());
  }
  RelabelledItems result;
  // Each class's index in result.classes: n items of c classes cost n + c steps, not n × c.
  QHash<QString, int> index;
  auto add = [&result, &index](const QString& name) {
    if (name.isEmpty() || index.contains(name)) return;
    index.insert(name, int(result.classes.size()));
    result.classes << name;
  };
  for (const QString& dataClass : dataClasses) {
    const QString now = state.currentClass(dataClass);
    if (used.contains(now)) add(now);
  }
  // Classes only labels made in Attune use, in name order, then the added ones.
  const QSet<QString> added(state.addedClasses.begin(), state.addedClasses.end());
  QStringList others;
  for (const QString& name : used)
    if (!index.contains(name) && !added.contains(name)) others << name;
  others.sort();
  for (const QString& name : others) add(name);
  for (const QString& name : state.addedClasses) add(name);
  result.labels.reserve(size_t(keys.size()));
  for (const QString& name : effective) result.labels.push_back(name.isEmpty() ? -1 : index.value(name));
  return result;
}

QString LabelJournal::pathFor(const QString& projectPath) {
  const QFileInfo info(projectPath);
  return info.dir().filePath(info.completeBaseName() + QStringLiteral(".labels.jsonl"));
}

LabelJournal::LabelJournal(QString path) : m_path(std::move(path)) {}

LabelJournal::~LabelJournal() {
  if (m_fd >= 0) ::close(m_fd);
}

Result<std::unique_ptr<LabelJournal>> LabelJournal::open(const QString& path) {
  std::unique_ptr<LabelJournal> journal(new LabelJournal(path));
  QFile file;
  if (!QFileInfo::exists(path)) return journal;
  // A regular file only (a named pipe would block), and no larger than a journal can grow.
  if (auto opened = openRegularFile(file, path, kMaxLargeTextBytes, QStringLiteral("the label journal"));
      !opened)
    return opened.error();
  const QByteArray bytes = file.readAll();
  // Everything after the last newline is a line a crash cut short: it was never acknowledged.
  const qsizetype end = bytes.lastIndexOf('\n') + 1;
  journal->m_validSize = end;
  int number = 0;
  for (const QByteArray& raw : bytes.left(end).split('\n')) {
    ++number;
    if (raw.trimmed().isEmpty()) continue;
    const auto line = nlohmann::json::parse(raw.toStdString(), nullptr, false);
    if (number == 1 && line.is_object() && line.contains("attune_label_journal")) {
      const auto& version = line["attune_label_journal"];
      if (version.is_number_integer() && version.get<int>() > kJournalVersion)
        return Error(
            ErrorCode::NewerFormat,
            QStringLiteral("The labels file %1 was written by a newer Attune.").arg(path),
            QStringLiteral("Update Attune to open this project's labels; the file is left as it is."));
      continue;
    }
    const auto change = changeOf(line);
    if (!change) {
      journal->m_notes << QStringLiteral("Line %1 of %2 is not a label change and was skipped.")
                              .arg(number)
                              .arg(QFileInfo(path).fileName());
      continue;
    }
    journal->m_state.apply(*change);
  }
  return journal;
}

Status LabelJournal::openForAppend() {
  if (m_fd >= 0) return {};
  const QByteArray native = QFile::encodeName(m_path);
  const bool fresh = !QFileInfo::exists(m_path);
  m_fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (m_fd < 0) return writeError(m_path, QString::fromLocal8Bit(strerror(errno)));
  // Cut off a line a crash left unfinished, then write after the last complete line.
  if (::ftruncate(m_fd, m_validSize) != 0 || ::lseek(m_fd, m_validSize, SEEK_SET) < 0) {
    const QString why = QString::fromLocal8Bit(strerror(errno));
    ::close(m_fd);
    m_fd = -1;
    return writeError(m_path, why);
  }
  if (fresh || m_validSize == 0) {
    const QByteArray header =
        QByteArray::fromStdString(nlohmann::json{{"attune_label_journal", kJournalVersion}}.dump()) + '\n';
    if (!writeAndSync(m_fd, header)) return writeError(m_path, QString::fromLocal8Bit(strerror(errno)));
    m_validSize += header.size();
    // The new file's name must reach the disk too.
    const int dir =
        ::open(QFile::encodeName(QFileInfo(m_path).absolutePath()).constData(), O_RDONLY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  }
  return {};
}

Status LabelJournal::append(const LabelChange& change) {
  return append(std::vector<LabelChange>{change});
}

Status LabelJournal::append(const std::vector<LabelChange>& changes) {
  if (changes.empty()) return {};
  if (auto opened = openForAppend(); !opened) return opened;
  QByteArray lines;
  for (const LabelChange& change : changes) lines += lineOf(change);
  if (!writeAndSync(m_fd, lines)) {
    const QString why = QString::fromLocal8Bit(strerror(errno));
    // Whatever part reached the file is cut off again, so the journal stays what the state says.
    if (::ftruncate(m_fd, m_validSize) == 0) ::lseek(m_fd, m_validSize, SEEK_SET);
    return writeError(m_path, why);
  }
  m_validSize += lines.size();
  for (const LabelChange& change : changes) m_state.apply(change);
  m_appended += int(changes.size());
  return {};
}

Status LabelJournal::restore(const LabelState& state) {
  if (auto written = writeWhole(state); !written) return written;
  m_state = state;
  return {};
}

Status LabelJournal::compact() {
  return writeWhole(m_state);
}

Status LabelJournal::writeWhole(const LabelState& state) {
  // The state as changes: classes of the data renamed or deleted, classes added, labels.
  QByteArray bytes =
      QByteArray::fromStdString(nlohmann::json{{"attune_label_journal", kJournalVersion}}.dump()) + '\n';
  for (const auto& [from, to] : state.classMap) {
    if (from != to) bytes += lineOf({LabelChange::MapClass, {}, from, to});
  }
  for (const QString& added : state.addedClasses) bytes += lineOf({LabelChange::AddClass, {}, added, {}});
  for (const auto& [item, label] : state.itemLabels)
    bytes += lineOf({LabelChange::SetLabel, item, label, {}});

  const QString temporary = m_path + QStringLiteral(".compacting");
  const QByteArray native = QFile::encodeName(temporary);
  const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return writeError(temporary, QString::fromLocal8Bit(strerror(errno)));
  const bool written = writeAndSync(fd, bytes);
  const QString why = QString::fromLocal8Bit(strerror(errno));
  ::close(fd);
  if (!written) {
    QFile::remove(temporary);
    return writeError(temporary, why);
  }
  if (::rename(native.constData(), QFile::encodeName(m_path).constData()) != 0) {
    const QString renameWhy = QString::fromLocal8Bit(strerror(errno));
    QFile::remove(temporary);
    return writeError(m_path, renameWhy);
  }
  const int dir =
      ::open(QFile::encodeName(QFileInfo(m_path).absolutePath()).constData(), O_RDONLY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  // Later appends go to the new file.
  if (m_fd >= 0) ::close(m_fd);
  m_fd = -1;
  m_validSize = bytes.size();
  m_appended = 0;
  return {};
}

}  // namespace attune
