#pragma once
// The labels made in Attune for the open project, and the one writer of its label journal
// (core/project/LabelJournal.h). Every labelling action is one step of an undo stack: it is written
// and synced to the journal before anything shows it, and its undo and redo are written the same
// way. An action that cannot be written changes nothing and says why.

#include "core/common/Result.h"
#include "core/project/LabelJournal.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

class QUndoStack;

namespace attune::ui {

class LabelStore : public QObject {
  Q_OBJECT

 public:
  explicit LabelStore(QObject* parent = nullptr);
  ~LabelStore() override;

  // The labels of the project file `projectPath` (empty: a project without a file, which cannot be
  // labelled until it is saved). The undo history starts empty. Errors: the journal cannot be read
  // or a newer Attune wrote it (the state is then empty and labelling is refused).
  Status setProjectPath(const QString& projectPath);
  // After Save As (the journal was copied along): labelling goes on in the journal at the new place,
  // with the undo history kept.
  Status moveTo(const QString& projectPath);
  const QString& projectPath() const { return m_projectPath; }
  const LabelState& state() const;
  // Lines of the journal that could not be read, as one sentence for the status bar (empty: none).
  QString skippedLinesSummary() const;
  QUndoStack* undoStack() const { return m_undoStack; }

  // One undoable step each. setLabels: item keys[i] gets classNames[i] (an empty name: no label);
  // `description` names the step in the Edit menu ("Label 3 images 'cat'" when empty).
  Status setLabels(const QStringList& keys, const QStringList& classNames, const QString& description = {});
  Status addClass(const QString& name);
  Status renameClass(const QString& from, const QString& to);  // a merge when `to` is a class already
  Status deleteClass(const QString& name);                     // its items lose their label

 Q_SIGNALS:
  // The labels changed through an action, its undo or its redo. `keys`: the items whose label
  // changed; empty when classes changed (any item's label may have).
  void labelsChanged(const QStringList& keys);
  // An undo or redo could not be written: it did not happen, the history is cleared, and `message`
  // says why.
  void writeFailed(const QString& message);

 private:
  class SetLabelsCommand;
  class ClassCommand;

  Status journalReady();
  Status write(const std::vector<LabelChange>& changes);
  Status restore(const LabelState& state);
  void failStep(const Error& error);

  QString m_projectPath;
  std::unique_ptr<LabelJournal> m_journal;
  std::optional<Error> m_unreadable;  // why the journal could not be read
  QUndoStack* m_undoStack = nullptr;
};

}  // namespace attune::ui
