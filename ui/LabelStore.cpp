#include "ui/LabelStore.h"

#include <QTimer>
#include <QUndoCommand>
#include <QUndoStack>

#include <optional>
#include <vector>

namespace attune::ui {
namespace {

// Past this many appended changes the journal is rewritten as its state (a long labelling session
// would otherwise replay every change on each open).
constexpr int kCompactAfterChanges = 20000;

const LabelState& emptyState() {
  static const LabelState state;
  return state;
}

}  // namespace

// Items labelled: undo gives each item back what the journal said before (a label made in Attune,
// or none: the label of its data).
class LabelStore::SetLabelsCommand : public QUndoCommand {
 public:
  SetLabelsCommand(LabelStore* store, QStringList keys, QStringList classNames,
                   std::vector<std::optional<QString>> before, const QString& text)
      : QUndoCommand(text),
        m_store(store),
        m_keys(std::move(keys)),
        m_classNames(std::move(classNames)),
        m_before(std::move(before)) {}

  void redo() override {
    // The first redo is the action itself, already written by the store.
    if (m_firstRedo) {
      m_firstRedo = false;
      return;
    }
    std::vector<LabelChange> changes;
    for (qsizetype i = 0; i < m_keys.size(); ++i)
      changes.push_back({LabelChange::SetLabel, m_keys[i], m_classNames[i], {}});
    apply(changes);
  }

  void undo() override {
    std::vector<LabelChange> changes;
    for (qsizetype i = 0; i < m_keys.size(); ++i) {
      const auto& before = m_before[size_t(i)];
      changes.push_back(before ? LabelChange{LabelChange::SetLabel, m_keys[i], *before, {}}
                               : LabelChange{LabelChange::ResetLabel, m_keys[i], {}, {}});
    }
    apply(changes);
  }

 private:
  void apply(const std::vector<LabelChange>& changes) {
    if (auto written = m_store->write(changes); !written)
      m_store->failStep(written.error());
    else
      emit m_store->labelsChanged(m_keys);
  }

  LabelStore* m_store;
  QStringList m_keys;
  QStringList m_classNames;
  std::vector<std::optional<QString>> m_before;
  bool m_firstRedo = true;
};

// A change of the classes (added, renamed, merged, deleted): undo restores the whole state before it,
// which a merge or a deletion cannot be undone without (the items it took along).
class LabelStore::ClassCommand : public QUndoCommand {
 public:
  ClassCommand(LabelStore* store, LabelChange change, LabelState before, const QString& text)
      : QUndoCommand(text), m_store(store), m_change(std::move(change)), m_before(std::move(before)) {}

  void redo() override {
    if (m_firstRedo) {
      m_firstRedo = false;
      return;
    }
    done(m_store->write({m_change}));
  }

  void undo() override { done(m_store->restore(m_before)); }

 private:
  void done(const Status& written) {
    if (!written)
      m_store->failStep(written.error());
    else
      emit m_store->labelsChanged({});
  }

  LabelStore* m_store;
  LabelChange m_change;
  LabelState m_before;
  bool m_firstRedo = true;
};

LabelStore::LabelStore(QObject* parent) : QObject(parent), m_undoStack(new QUndoStack(this)) {}

LabelStore::~LabelStore() {
  // The commands refer to the store: they go first.
  m_undoStack->clear();
}

Status LabelStore::setProjectPath(const QString& projectPath) {
  m_undoStack->clear();
  m_journal.reset();
  m_unreadable.reset();
  m_projectPath = projectPath;
  if (projectPath.isEmpty()) return {};
  auto journal = LabelJournal::open(LabelJournal::pathFor(projectPath));
  if (!journal) {
    m_unreadable = journal.error();
    return journal.error();
  }
  m_journal = std::move(*journal);
  return {};
}

Status LabelStore::moveTo(const QString& projectPath) {
  if (projectPath.isEmpty()) return setProjectPath(projectPath);
  auto journal = LabelJournal::open(LabelJournal::pathFor(projectPath));
  if (!journal) return journal.error();
  m_journal = std::move(*journal);
  m_unreadable.reset();
  m_projectPath = projectPath;
  return {};
}

QString LabelStore::skippedLinesSummary() const {
  return m_journal ? m_journal->skippedLinesSummary() : QString();
}

const LabelState& LabelStore::state() const {
  return m_journal ? m_journal->state() : emptyState();
}

Status LabelStore::journalReady() {
  if (m_unreadable) return *m_unreadable;
  if (!m_journal)
    return Error(ErrorCode::BadValue, tr("The project has no file yet, and labels are kept next to it."),
                 tr("Save the project first."));
  return {};
}

Status LabelStore::write(const std::vector<LabelChange>& changes) {
  if (auto ready = journalReady(); !ready) return ready;
  if (auto written = m_journal->append(changes); !written) return written;
  // Compaction only tidies: the changes are safely written either way.
  if (m_journal->changesSinceCompaction() > kCompactAfterChanges) (void)m_journal->compact();
  return {};
}

Status LabelStore::restore(const LabelState& state) {
  if (auto ready = journalReady(); !ready) return ready;
  return m_journal->restore(state);
}

void LabelStore::failStep(const Error& error) {
  emit writeFailed(error.text());
  // The stack's place no longer matches the journal: start the history again, once the stack is out
  // of the undo or redo that failed.
  QTimer::singleShot(0, m_undoStack, &QUndoStack::clear);
}

Status LabelStore::setLabels(const QStringList& keys, const QStringList& classNames,
                             const QString& description) {
  if (keys.isEmpty() || keys.size() != classNames.size())
    return Error(ErrorCode::BadValue, tr("Nothing to label."), tr("Select the items to label first."));
  if (auto ready = journalReady(); !ready) return ready;
  std::vector<std::optional<QString>> before;
  before.reserve(size_t(keys.size()));
  std::vector<LabelChange> changes;
  changes.reserve(size_t(keys.size()));
  for (qsizetype i = 0; i < keys.size(); ++i) {
    const auto& labels = m_journal->state().itemLabels;
    const auto it = labels.find(keys[i]);
    before.push_back(it == labels.end() ? std::nullopt : std::optional<QString>(it->second));
    changes.push_back({LabelChange::SetLabel, keys[i], classNames[i], {}});
  }
  if (auto written = write(changes); !written) return written;
  QString text = description;
  if (text.isEmpty()) {
    const bool one = classNames.count(classNames.first()) == classNames.size();
    text = !one ? tr("Label %n items", nullptr, int(keys.size()))
           : classNames.first().isEmpty()
               ? tr("Remove the label of %n items", nullptr, int(keys.size()))
               : tr("Label %n items '%1'", nullptr, int(keys.size())).arg(classNames.first());
  }
  m_undoStack->push(new SetLabelsCommand(this, keys, classNames, std::move(before), text));
  emit labelsChanged(keys);
  return {};
}

namespace {

Error badClassName(const QString& why) {
  return Error(ErrorCode::BadValue, why, LabelStore::tr("Choose another name."));
}

}  // namespace

Status LabelStore::addClass(const QString& name) {
  const QString trimmed = name.trimmed();
  if (trimmed.isEmpty()) return badClassName(tr("A class needs a name."));
  if (auto ready = journalReady(); !ready) return ready;
  LabelState before = m_journal->state();
  const LabelChange change{LabelChange::AddClass, {}, trimmed, {}};
  if (auto written = write({change}); !written) return written;
  m_undoStack->push(new ClassCommand(this, change, std::move(before), tr("Add class '%1'").arg(trimmed)));
  emit labelsChanged({});
  return {};
}

Status LabelStore::renameClass(const QString& from, const QString& to) {
  const QString trimmed = to.trimmed();
  if (trimmed.isEmpty()) return badClassName(tr("A class needs a name."));
  if (trimmed == from) return {};
  if (auto ready = journalReady(); !ready) return ready;
  LabelState before = m_journal->state();
  const LabelChange change{LabelChange::RenameClass, {}, from, trimmed};
  if (auto written = write({change}); !written) return written;
  m_undoStack->push(
      new ClassCommand(this, change, std::move(before), tr("Rename class '%1' to '%2'").arg(from, trimmed)));
  emit labelsChanged({});
  return {};
}

Status LabelStore::deleteClass(const QString& name) {
  if (auto ready = journalReady(); !ready) return ready;
  LabelState before = m_journal->state();
  const LabelChange change{LabelChange::DeleteClass, {}, name, {}};
  if (auto written = write({change}); !written) return written;
  m_undoStack->push(new ClassCommand(this, change, std::move(before), tr("Delete class '%1'").arg(name)));
  emit labelsChanged({});
  return {};
}

}  // namespace attune::ui
