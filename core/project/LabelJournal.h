#pragma once
// The label journal (DESIGN.md "Files on disk"): every label the user makes in Attune, and every
// change to the classes, appended as one JSON line to <project>.labels.jsonl and flushed to the disk
// (fsync) before the call returns, so a label the window has shown as made survives a crash or a
// kill at any moment. The user's files are never changed: labels from the data (class folders, a
// label column) are read as they are, and the journal says what Attune changed on top of them.
//
// Reading replays the lines in order. A last line cut short by a crash is dropped (and cut off the
// file before the next append); a damaged line in the middle is skipped with a note. compact() rewrites
// the journal as the state it describes, atomically (a new file synced, then renamed over the old).
//
// Several writers (the window and attune-cli) may append to the same journal: every append and
// compaction holds an advisory lock (flock on "<journal>.lock"), first reads what the others appended
// since (so state() includes it), then appends at the end of the file (O_APPEND). No label is lost.

#include "core/common/Result.h"

#include <QString>
#include <QStringList>

#include <map>
#include <memory>
#include <vector>

namespace attune {

// One change. Items are named by a stable key: an image's path relative to the project, or a text's
// "<table>:<line>".
struct LabelChange {
  enum Kind {
    SetLabel,     // item gets className; an empty className: the user took its label away
    AddClass,     // className is a new class
    RenameClass,  // className becomes newName (a merge when newName already exists)
    DeleteClass,  // className is gone; its items lose their label
    MapClass,     // (written by compact) the data's class className is called newName (empty: deleted)
    ResetLabel,   // item has the label its data gives it again (undoes SetLabel)
  } kind = SetLabel;
  QString item;
  QString className;
  QString newName;
};

// What the journal says now.
struct LabelState {
  // Labels made in Attune, by item key (an empty class: unlabelled by the user).
  std::map<QString, QString> itemLabels;
  // Classes added in Attune, in the order they were added (renames follow).
  QStringList addedClasses;
  // What each class of the data is called now: renamed, merged, or deleted (empty).
  std::map<QString, QString> classMap;

  // The class of `item` whose label in the data is `dataLabel` (empty: none): a label made in
  // Attune wins; otherwise the data's class as renamed, merged or deleted since.
  QString classOf(const QString& item, const QString& dataLabel) const;
  // `dataClass` as it is called now (empty when deleted).
  QString currentClass(const QString& dataClass) const;
  void apply(const LabelChange& change);
  bool operator==(const LabelState&) const = default;
};

// Applies `changes` in order to `state`: the same state as LabelState::apply on each in turn, which
// walks every label and class on each rename or delete (fine for one change the user makes, quadratic
// for a journal of thousands of renames). Here classes are nodes joined on merges, so each change
// costs about log n: what the journal's replay uses.
void applyAll(LabelState& state, const std::vector<LabelChange>& changes);

// Items (by key) with the labels their data gives them (empty: none), as the journal makes them.
struct RelabelledItems {
  // The classes now: those of the data in their order, renamed, merged (once) and without deleted
  // ones, then the classes added in Attune; only classes that some item has, or that were added.
  QStringList classes;
  std::vector<int> labels;  // per item: an index into classes, or -1 (unlabelled)
};
RelabelledItems relabel(const LabelState& state, const QStringList& dataClasses, const QStringList& keys,
                        const QStringList& dataLabels);

class LabelJournal {
 public:
  // The journal of the project file `projectPath` (its name with .attune replaced by .labels.jsonl).
  static QString pathFor(const QString& projectPath);

  // Opens (or creates on the first append) the journal at `path` and replays it. Errors: the file
  // cannot be read, or it was written by a newer Attune.
  static Result<std::unique_ptr<LabelJournal>> open(const QString& path);
  ~LabelJournal();

  const LabelState& state() const { return m_state; }
  // Lines that were skipped while reading, and why ("line 12 is not a label change").
  const QStringList& notes() const { return m_notes; }
  // One sentence for the user when lines were skipped (how many, which, what to do); empty if none.
  QString skippedLinesSummary() const;
  const QString& path() const { return m_path; }
  // Changes appended since the journal was last written whole.
  int changesSinceCompaction() const { return m_appended; }

  // Writes the change, syncs it to the disk, then applies it. On failure nothing is applied.
  Status append(const LabelChange& change);
  // The same for several changes with one write and one sync (labelling many items at once). A crash
  // during the call may keep a first part of them, each one whole; on failure nothing is applied.
  Status append(const std::vector<LabelChange>& changes);
  // Rewrites the journal as its present state, atomically.
  Status compact();
  // Rewrites the journal, atomically, as `state` (undoing a change of the classes); on failure the
  // journal and its state stay as they were.
  Status restore(const LabelState& state);

 private:
  explicit LabelJournal(QString path);
  // Applies the complete lines of `bytes` (what follows m_validSize in the file) to the state.
  Status replay(const QByteArray& bytes);
  // Holding the lock: opens the file for appending and reads what other writers added since.
  Status openForAppend();
  Status catchUp();
  // Holding the lock: replaces the journal, atomically, with `state`.
  Status writeWhole(const LabelState& state);
  Status lock();
  void unlock();

  QString m_path;
  LabelState m_state;
  QStringList m_notes;
  int m_appended = 0;
  int m_lines = 0;         // lines replayed so far (for the notes' line numbers)
  qint64 m_validSize = 0;  // bytes up to the end of the last complete line
  int m_fd = -1;
  int m_lockFd = -1;
  quint64 m_device = 0, m_inode = 0;  // of the file the state was read from (0: none yet)
};

}  // namespace attune
