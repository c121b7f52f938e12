#include "core/eval/Suggestions.h"

#include "core/common/EngineBoundary.h"
#include "core/dataset/ProjectData.h"
#include "core/eval/Evaluation.h"
#include "core/eval/Predictor.h"
#include "core/training/detail/EngineFault.h"

namespace attune {

Result<LabelSuggestions> suggestLabels(const Project& project, const QString& run) {
  return guardEngine(QStringLiteral("Suggesting labels"), [&]() -> Result<LabelSuggestions> {
    auto runDirectory = runDirectoryOf(project, run);
    if (!runDirectory) return runDirectory.error();
    auto predictor = Predictor::openRun(modelDirectoryOf(project, *runDirectory));
    if (!predictor) return predictor.error();
    detail::injectEngineFault(detail::EngineFaultSite::Suggest);
    if ((*predictor)->task() != project.task)
      return Error(ErrorCode::BadValue,
                   QStringLiteral("Run %1's model classifies %2, but the project holds %3.")
                       .arg((*predictor)->runId(),
                            (*predictor)->task() == TaskKind::TextClassification ? QStringLiteral("texts")
                                                                                 : QStringLiteral("images"),
                            project.task == TaskKind::TextClassification ? QStringLiteral("texts")
                                                                         : QStringLiteral("images")),
                   QStringLiteral("Train a model on the project's own data first."));
    LabelSuggestions suggestions;
    suggestions.runId = (*predictor)->runId();
    suggestions.classes = (*predictor)->classes();
    if (project.task == TaskKind::TextClassification) {
      auto texts = readProjectTexts(project);
      if (!texts) return texts.error();
      for (const TextSample& sample : texts->unlabelled) {
        suggestions.keys << textItemKey(project.data.table, sample.line);
        suggestions.items << sample.text;
      }
    } else {
      auto images = readProjectImagePool(project);
      if (!images) return images.error();
      for (const QString& path : images->unlabelled) {
        suggestions.keys << imageItemKey(images->root, path);
        suggestions.items << path;
      }
    }
    if (suggestions.items.isEmpty()) return suggestions;
    auto answers = project.task == TaskKind::TextClassification
                       ? (*predictor)->predictTexts(suggestions.items)
                       : (*predictor)->predictImages(suggestions.items);
    if (!answers) return answers.error();
    suggestions.probabilities.reserve(answers->size());
    for (const std::vector<double>& row : *answers)
      suggestions.probabilities.emplace_back(row.begin(), row.end());
    return suggestions;
  });
}

}  // namespace attune
