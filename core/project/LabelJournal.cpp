#include "core/project/LabelJournal.h"

#include "core/common/AtomicFile.h"
#include "core/common/BoundedJson.h"
#include "core/common/FileRead.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSet>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace attune {
namespace {

constexpr int kJournalVersion = 1;
constexpr int kMaxLineDepth = 4;

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

// A failed save (AtomicFile's Error: the file and the cause) as a label that was not made.
Error labelNotMade(Error e) {
  e.hint = QStringLiteral("Nothing was changed: the label was not made. ") + e.hint;
  return e;
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
      if (change.newName == change.className)
        classMap.erase(change.className);  // a class called what the data calls it: no entry
      else
        classMap[change.className] = change.newName;
      return;
    case LabelChange::RenameClass:
    case LabelChange::DeleteClass: {
      const QString to = change.kind == LabelChange::RenameClass ? change.newName : QString();
      // A class renamed to its own name: nothing changes (an added class stays added).
      if (to == change.className) return;
      for (auto& [item, label] : itemLabels)
        if (label == change.className) label = to;
      for (auto& [from, now] : classMap)
        if (now == change.className) now = to;
      // The data's own class of that name (if any) follows too.
      if (!classMap.count(change.className)) classMap[change.className] = to;
      // A data class renamed back to its own name (a -> b -> a) is as if never renamed: no entry, so
      // the state reads back equal after the journal is written whole (which writes no such entry).
      std::erase_if(classMap, [](const auto& entry) { return entry.first == entry.second; });
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

namespace {

// applyAll's state. A node is a class name that labels and class-map entries point to; a rename gives
// the node its new name, a merge (a rename onto a name in use, a delete onto "") joins it to the
// other node (union-find). Every root node is the one live node of its name, so two labels are equal
// exactly when their nodes have the same root, as LabelState::apply's string comparisons decide.
class ChangeReplay {
 public:
  explicit ChangeReplay(const LabelState& start) {
    for (const auto& [item, label] : start.itemLabels) items_.emplace(item, nodeFor(label));
    for (const auto& [dataClass, now] : start.classMap) classMap_.emplace(dataClass, nodeFor(now));
    for (const QString& name : start.addedClasses) addClass(name);
  }

  void apply(const LabelChange& change) {
    switch (change.kind) {
      case LabelChange::SetLabel:
        items_.insert_or_assign(change.item, nodeFor(change.className));
        return;
      case LabelChange::ResetLabel:
        items_.erase(change.item);
        return;
      case LabelChange::AddClass:
        addClass(change.className);
        if (auto it = classMap_.find(change.className); it != classMap_.end() && nameOf(it->second).isEmpty())
          classMap_.erase(it);
        return;
      case LabelChange::MapClass:
        if (change.newName == change.className)
          classMap_.erase(change.className);
        else
          classMap_.insert_or_assign(change.className, nodeFor(change.newName));
        return;
      case LabelChange::RenameClass:
      case LabelChange::DeleteClass: {
        const QString to = change.kind == LabelChange::RenameClass ? change.newName : QString();
        if (to == change.className) return;  // a class renamed to its own name: nothing changes
        if (auto from = live_.find(change.className); from != live_.end()) {
          const int node = *from;
          live_.erase(from);
          if (auto onto = live_.find(to); onto != live_.end()) {
            parent_[size_t(node)] = *onto;  // a merge
          } else {
            name_[size_t(node)] = to;
            live_.insert(to, node);
          }
        }
        // The data's own class of that name (if any) follows too.
        if (!classMap_.count(change.className)) classMap_.emplace(change.className, nodeFor(to));
        if (auto added = addedIndex_.find(change.className); added != addedIndex_.end()) {
          const size_t position = *added;
          addedIndex_.erase(added);
          if (to.isEmpty() || addedIndex_.contains(to)) {
            added_[position].clear();  // removed (added names are never empty)
          } else {
            added_[position] = to;
            addedIndex_.insert(to, position);
          }
        }
        return;
      }
    }
  }

  LabelState result() {
    LabelState state;
    for (const auto& [item, node] : items_)
      state.itemLabels.emplace_hint(state.itemLabels.end(), item, nameOf(node));
    for (const auto& [dataClass, node] : classMap_) {
      const QString& now = nameOf(node);
      // A data class called what the data calls it has no entry (apply erases those as they appear).
      if (now != dataClass) state.classMap.emplace_hint(state.classMap.end(), dataClass, now);
    }
    for (const QString& name : added_)
      if (!name.isEmpty()) state.addedClasses << name;
    return state;
  }

 private:
  int root(int node) {
    while (parent_[size_t(node)] != node) {
      parent_[size_t(node)] = parent_[size_t(parent_[size_t(node)])];  // path halving
      node = parent_[size_t(node)];
    }
    return node;
  }
  const QString& nameOf(int node) { return name_[size_t(root(node))]; }
  int nodeFor(const QString& name) {
    if (auto it = live_.find(name); it != live_.end()) return *it;
    const int node = int(parent_.size());
    parent_.push_back(node);
    name_.push_back(name);
    live_.insert(name, node);
    return node;
  }
  void addClass(const QString& name) {
    if (addedIndex_.contains(name)) return;
    addedIndex_.insert(name, added_.size());
    added_.push_back(name);
  }

  std::vector<int> parent_;
  std::vector<QString> name_;  // a root's name is its class's name
  QHash<QString, int> live_;   // name -> its root node
  std::map<QString, int> items_;
  std::map<QString, int> classMap_;
  std::vector<QString> added_;  // in the order added; an empty name was removed
  QHash<QString, size_t> addedIndex_;
};

}  // namespace

void applyAll(LabelState& state, const std::vector<LabelChange>& changes) {
  if (changes.empty()) return;
  ChangeReplay replay(state);
  for (const LabelChange& change : changes) replay.apply(change);
  state = replay.result();
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
  if (m_lockFd >= 0) ::close(m_lockFd);
}

Result<std::unique_ptr<LabelJournal>> LabelJournal::open(const QString& path) {
  std::unique_ptr<LabelJournal> journal(new LabelJournal(path));
  QFile file;
  if (!QFileInfo::exists(path)) return journal;
  // A regular file only (a named pipe would block), and no larger than a journal can grow.
  if (auto opened = openRegularFile(file, path, kMaxLargeTextBytes, QStringLiteral("the label journal"));
      !opened)
    return opened.error();
  struct stat opened {};
  if (::fstat(file.handle(), &opened) == 0) {
    journal->m_device = quint64(opened.st_dev);
    journal->m_inode = quint64(opened.st_ino);
  }
  if (auto replayed = journal->replay(file.readAll()); !replayed) return replayed.error();
  return journal;
}

Status LabelJournal::replay(const QByteArray& bytes) {
  // Everything after the last newline is a line a crash cut short: it was never acknowledged.
  const qsizetype end = bytes.lastIndexOf('\n') + 1;
  if (end == 0) return {};
  m_validSize += end;
  std::vector<LabelChange> changes;
  for (const QByteArray& raw : bytes.left(end).split('\n')) {
    ++m_lines;
    if (raw.trimmed().isEmpty()) continue;
    // A change is one flat object: a deeper line is not one, and is not built as millions of values.
    const nlohmann::json line =
        parseBoundedJson(raw.constData(), raw.constData() + raw.size(), kMaxLineDepth).value;
    if (line.is_object() && line.contains("attune_label_journal")) {
      const auto& version = line["attune_label_journal"];
      if (version.is_number_integer() && version.get<int>() > kJournalVersion)
        return Error(
            ErrorCode::NewerFormat,
            QStringLiteral("The labels file %1 was written by a newer Attune.").arg(m_path),
            QStringLiteral("Update Attune to open this project's labels; the file is left as it is."));
      continue;
    }
    auto change = changeOf(line);
    if (!change) {
      m_notes << QStringLiteral("Line %1 of %2 is not a label change and was skipped.")
                     .arg(m_lines)
                     .arg(QFileInfo(m_path).fileName());
      continue;
    }
    changes.push_back(std::move(*change));
  }
  applyAll(m_state, changes);
  // split() gives one empty piece after the last newline: it is not a line.
  --m_lines;
  return {};
}

QString LabelJournal::skippedLinesSummary() const {
  if (m_notes.isEmpty()) return {};
  QStringList numbers;
  static const QRegularExpression number(QStringLiteral("^Line (\\d+) "));
  for (const QString& note : m_notes) {
    if (numbers.size() == 10) {
      numbers << QStringLiteral("...");
      break;
    }
    numbers << number.match(note).captured(1);
  }
  return QStringLiteral(
             "%1 %2 of the labels file %3 could not be read and %4 skipped (line %5): the "
             "labels on %6 are not applied. Open the file in a text editor to repair %6, or "
             "label those items again.")
      .arg(m_notes.size())
      .arg(m_notes.size() == 1 ? QStringLiteral("line") : QStringLiteral("lines"),
           QDir::toNativeSeparators(m_path),
           m_notes.size() == 1 ? QStringLiteral("was") : QStringLiteral("were"),
           numbers.join(QStringLiteral(", ")),
           m_notes.size() == 1 ? QStringLiteral("it") : QStringLiteral("them"));
}

Status LabelJournal::lock() {
  if (m_lockFd < 0) {
    const QByteArray lockPath = QFile::encodeName(m_path + QStringLiteral(".lock"));
    m_lockFd = ::open(lockPath.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_lockFd < 0) return writeError(m_path, QString::fromLocal8Bit(strerror(errno)));
  }
  while (::flock(m_lockFd, LOCK_EX) != 0)
    if (errno != EINTR) return writeError(m_path, QString::fromLocal8Bit(strerror(errno)));
  return {};
}

void LabelJournal::unlock() {
  if (m_lockFd >= 0) ::flock(m_lockFd, LOCK_UN);
}

Status LabelJournal::openForAppend() {
  const QByteArray native = QFile::encodeName(m_path);
  struct stat onDisk {};
  const bool exists = ::stat(native.constData(), &onDisk) == 0;
  // Another writer compacted the journal (a new file under the name) since this one read it: read it
  // again from the start.
  if (m_inode != 0 && (!exists || quint64(onDisk.st_dev) != m_device || quint64(onDisk.st_ino) != m_inode)) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
    m_inode = 0;
    m_state = {};
    m_notes.clear();
    m_lines = 0;
    m_validSize = 0;
  }
  if (m_fd >= 0) return {};
  m_fd = ::open(native.constData(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (m_fd < 0) return writeError(m_path, QString::fromLocal8Bit(strerror(errno)));
  struct stat opened {};
  ::fstat(m_fd, &opened);
  m_device = quint64(opened.st_dev);
  m_inode = quint64(opened.st_ino);
  if (!exists) {
    // The new file's name must reach the disk too.
    if (auto synced = syncFolderOf(m_path); !synced) return synced;
  }
  return {};
}

Status LabelJournal::catchUp() {
  if (auto opened = openForAppend(); !opened) return opened;
  struct stat info {};
  if (::fstat(m_fd, &info) != 0) return writeError(m_path, QString::fromLocal8Bit(strerror(errno)));
  const qint64 size = info.st_size;
  if (size > m_validSize) {
    QByteArray added(size - m_validSize, Qt::Uninitialized);
    qint64 read = 0;
    while (read < added.size()) {
      const ssize_t n = ::pread(m_fd, added.data() + read, size_t(added.size() - read), m_validSize + read);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return writeError(m_path, QString::fromLocal8Bit(strerror(errno)));
      read += n;
    }
    // What other writers appended (all of it whole: they held the lock) joins the state.
    if (auto replayed = replay(added); !replayed) return replayed;
  }
  // Under the lock nobody is writing: bytes after the last whole line are what a crash left. Cut off.
  if (size > m_validSize && ::ftruncate(m_fd, m_validSize) != 0)
    return writeError(m_path, QString::fromLocal8Bit(strerror(errno)));
  if (m_validSize == 0) {
    const QByteArray header =
        QByteArray::fromStdString(nlohmann::json{{"attune_label_journal", kJournalVersion}}.dump()) + '\n';
    if (auto written = appendAndSync(m_fd, m_path, header); !written) {
      const int cut = ::ftruncate(m_fd, 0);
      Q_UNUSED(cut);
      return labelNotMade(written.error());
    }
    m_validSize = header.size();
    m_lines = 1;
  }
  return {};
}

Status LabelJournal::append(const LabelChange& change) {
  return append(std::vector<LabelChange>{change});
}

Status LabelJournal::append(const std::vector<LabelChange>& changes) {
  if (changes.empty()) return {};
  if (auto locked = lock(); !locked) return locked;
  const auto unlockOnReturn = qScopeGuard([this] { unlock(); });
  if (auto caught = catchUp(); !caught) return caught;
  QByteArray lines;
  for (const LabelChange& change : changes) lines += lineOf(change);
  if (auto written = appendAndSync(m_fd, m_path, lines); !written) {
    // Whatever part reached the file is cut off again, so the journal stays what the state says.
    const int cut = ::ftruncate(m_fd, m_validSize);
    Q_UNUSED(cut);  // if even that fails, the next reader drops the torn line
    return labelNotMade(written.error());
  }
  m_validSize += lines.size();
  m_lines += int(changes.size());
  for (const LabelChange& change : changes) m_state.apply(change);
  m_appended += int(changes.size());
  return {};
}

Status LabelJournal::restore(const LabelState& state) {
  if (auto locked = lock(); !locked) return locked;
  const auto unlockOnReturn = qScopeGuard([this] { unlock(); });
  if (auto written = writeWhole(state); !written) return written;
  m_state = state;
  return {};
}

Status LabelJournal::compact() {
  if (auto locked = lock(); !locked) return locked;
  const auto unlockOnReturn = qScopeGuard([this] { unlock(); });
  // Changes other writers appended are kept in the compacted journal.
  if (auto caught = catchUp(); !caught) return caught;
  return writeWhole(m_state);
}

Status LabelJournal::writeWhole(const LabelState& state) {
  // The state as changes: classes added, classes of the data renamed or deleted, labels. Added classes
  // come first: read back, adding a class undoes a deletion of the data's class of that name, which a
  // state may hold apart (the data's green renamed, a new green added, the renamed class deleted).
  QByteArray bytes =
      QByteArray::fromStdString(nlohmann::json{{"attune_label_journal", kJournalVersion}}.dump()) + '\n';
  int lines = 1;
  for (const QString& added : state.addedClasses) {
    bytes += lineOf({LabelChange::AddClass, {}, added, {}});
    ++lines;
  }
  for (const auto& [from, to] : state.classMap) {
    if (from != to) {
      bytes += lineOf({LabelChange::MapClass, {}, from, to});
      ++lines;
    }
  }
  for (const auto& [item, label] : state.itemLabels) {
    bytes += lineOf({LabelChange::SetLabel, item, label, {}});
    ++lines;
  }
  if (auto written = AtomicFile::writeFile(m_path, bytes); !written) return labelNotMade(written.error());
  // Later appends go to the new file, which holds this state.
  if (m_fd >= 0) ::close(m_fd);
  m_fd = -1;
  m_inode = 0;
  if (auto opened = openForAppend(); !opened) return opened;
  m_validSize = bytes.size();
  m_lines = lines;
  m_notes.clear();
  m_appended = 0;
  return {};
}

}  // namespace attune
