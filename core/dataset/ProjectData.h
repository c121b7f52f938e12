#pragma once
// A project's data as the user sees it in Attune: the image folder or table of texts as it is on
// disk, with the labels made in Attune (the label journal, core/project/LabelJournal.h) applied on
// top. Training, evaluation and the data panels all read the data through here, so that a label made
// in Attune counts everywhere at once, while the user's own files stay as they are.

#include "core/common/Result.h"
#include "core/data/ImageFolderScanner.h"
#include "core/data/TextDataset.h"
#include "core/project/LabelJournal.h"
#include "core/project/Project.h"

#include <QString>

namespace attune {

// The journal's key of an image: its path relative to the image folder `root`, with '/'.
QString imageItemKey(const QString& root, const QString& path);
// The journal's key of a text: "<file name of the table>:<line>" (TextSample::line).
QString textItemKey(const QString& table, int line);

// What the project's journal says (an empty state when the project was never saved or has no journal
// yet). Errors: the journal cannot be read, or a newer Attune wrote it.
Result<LabelState> projectLabelState(const Project& project);

// The folder's images with their classes after the journal: renamed, merged, deleted or relabelled
// classes; unlabelled images labelled in Attune join their class, and images whose class was deleted
// (or whose label was taken away) join the unlabelled pool. Classes that no image has any more are
// dropped; the report's classes and counts follow.
void applyLabels(const LabelState& state, ImageFolder& folder);
// The same for texts: a text labelled in Attune moves from `unlabelled` to `labelled` (and back).
void applyLabels(const LabelState& state, const QString& table, TextDataset& dataset);

// Whether the images (with `state` applied) can be trained on: at least two classes of two images.
// Errors say what to do (checkImageClasses' when no label was made in Attune).
Status checkTrainableImages(const LabelState& state, const ImageFolder& folder);

// The project's image folder (scanImageFolder) or table of texts (with the project's column mapping
// and table format), with its journal applied. Errors: those of reading the data or the journal.
// readProjectImages also checks that the classes can be trained on (two classes, two images each);
// readProjectImagePool does not (for labelling).
Result<ImageFolder> readProjectImages(const Project& project);
Result<ImageFolder> readProjectImagePool(const Project& project);
Result<TextDataset> readProjectTexts(const Project& project);

}  // namespace attune
