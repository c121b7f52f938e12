#include "core/eval/RunFindings.h"

#include "core/models/Architecture.h"

#include <QFileInfo>

#include <algorithm>
#include <cmath>

namespace attune {
namespace {

// Fewer training examples of a class than this is worth a warning.
constexpr int kFewExamples = 20;

QString percent(double share) {
  return QString::number(100.0 * share, 'f', 1) + QLatin1Char('%');
}

QString rate(double value) {
  return QString::number(value, 'g', 3);
}

QString quoted(const QString& name) {
  return QStringLiteral("“%1”").arg(name);
}

QString modelSentence(const SavedRun& run) {
  const TrainingConfig& c = run.config;
  const ArchitectureInfo* info = findArchitecture(c.architecture);
  const QString model = info ? info->displayName : c.architecture;
  if (c.weightsPath.isEmpty())
    return QStringLiteral(
               "Model: %1, started from random weights (no pre-trained weights), with a new "
               "output layer for the %2 classes.")
        .arg(model)
        .arg(run.classes.size());
  const QString weights = isCatalogReference(c.weightsPath) ? c.weightsPath.mid(int(qstrlen(kCatalogScheme)))
                                                            : QFileInfo(c.weightsPath).fileName();
  return QStringLiteral("Model: %1, pre-trained (weights %2), with a new output layer for the %3 classes.")
      .arg(model, weights)
      .arg(run.classes.size());
}

QString freezingSentence(const TrainingConfig& c) {
  QString unfreezing;
  if (c.unfreezeEvery > 0)
    unfreezing = QStringLiteral(" One more layer group, from the top, was unfrozen every %1 epochs.")
                     .arg(c.unfreezeEvery);
  else if (!c.unfreezeAt.empty()) {
    QStringList epochs;
    for (int e : c.unfreezeAt) epochs << QString::number(e);
    unfreezing = QStringLiteral(" One more layer group, from the top, was unfrozen at the start of epoch %1.")
                     .arg(epochs.join(QStringLiteral(", ")));
  }
  if (c.freeze == FreezeMode::Backbone)
    return QStringLiteral("The pre-trained layers started frozen: only the new output layer learned.") +
           unfreezing;
  if (c.freezeGroups > 0)
    return QStringLiteral("The lowest %1 layer groups started frozen.").arg(c.freezeGroups) + unfreezing;
  return QStringLiteral("No layers were frozen: the whole model learned.");
}

QString scheduleSentence(const TrainingConfig& c) {
  switch (c.schedule) {
    case ScheduleKind::Constant:
      return QStringLiteral("The learning rates stayed the same throughout.");
    case ScheduleKind::WarmupCosine:
      return QStringLiteral(
                 "The learning rates rose over the first %1 of the steps, then eased down to zero "
                 "along a cosine curve.")
          .arg(percent(c.warmupFraction));
    case ScheduleKind::WarmupLinear:
      return QStringLiteral(
                 "The learning rates rose over the first %1 of the steps, then fell in a straight "
                 "line to zero.")
          .arg(percent(c.warmupFraction));
    case ScheduleKind::Step:
      return QStringLiteral("The learning rates were multiplied by %1 every %2 epochs.")
          .arg(rate(c.gamma))
          .arg(c.stepEvery);
    case ScheduleKind::OneCycle:
      return QStringLiteral(
          "The learning rates followed one cycle: up from a 25th of their value, then down "
          "to almost zero.");
    case ScheduleKind::Plateau:
      return QStringLiteral(
                 "The learning rates were multiplied by %1 whenever the validation loss had not "
                 "improved for %2 epochs.")
          .arg(rate(c.gamma))
          .arg(c.plateauPatience);
  }
  return {};
}

QString regularisationSentence(const TrainingConfig& c) {
  QStringList parts;
  if (c.weightDecay > 0) parts << QStringLiteral("weight decay %1").arg(rate(c.weightDecay));
  if (c.labelSmoothing > 0) parts << QStringLiteral("label smoothing %1").arg(rate(c.labelSmoothing));
  if (c.headDropout > 0)
    parts << QStringLiteral("dropout %1 before the output layer").arg(rate(c.headDropout));
  if (c.l2sp > 0)
    parts << QStringLiteral("L2-SP %1, which keeps pre-trained weights near where they started")
                 .arg(rate(c.l2sp));
  if (parts.isEmpty()) return QStringLiteral("No regularisation was used.");
  return QStringLiteral("Against over-fitting: %1.").arg(parts.join(QStringLiteral(", ")));
}

}  // namespace

QStringList plainSettings(const SavedRun& run) {
  const TrainingConfig& c = run.config;
  QStringList lines;
  lines << modelSentence(run);
  lines << QStringLiteral(
               "Training: %1 epochs (passes over the training examples) in batches of %2, seed %3%4.")
               .arg(c.epochs)
               .arg(c.batchSize)
               .arg(c.seed)
               .arg(c.folds > 1 ? QStringLiteral(", with %1-fold cross-validation").arg(c.folds) : QString());
  QString rates =
      QStringLiteral("Learning rates: %1 for the new output layer and %2 for the pre-trained layers")
          .arg(rate(c.lrHead), rate(c.lrBackbone));
  if (c.lrBackbone > 0 && c.lrHead > c.lrBackbone)
    rates += QStringLiteral(" (%1 times slower, so that what they learned before is not lost)")
                 .arg(rate(c.lrHead / c.lrBackbone));
  if (c.layerDecay != 1.0)
    rates += QStringLiteral("; each lower layer group learned at %1 times the rate of the one above")
                 .arg(rate(c.layerDecay));
  lines << rates + QStringLiteral(", with the %1 optimiser.").arg(toString(c.optimizer));
  lines << scheduleSentence(c);
  lines << freezingSentence(c);
  lines << regularisationSentence(c);
  if (run.task == TaskKind::ImageClassification) {
    QStringList augment;
    if (c.randomResizedCrop) augment << QStringLiteral("randomly cropped and resized");
    if (c.horizontalFlip) augment << QStringLiteral("flipped left to right at random");
    lines << (augment.isEmpty() ? QStringLiteral("Training images were used as they are (no augmentation).")
                                : QStringLiteral("Training images were %1 (augmentation), so the model sees "
                                                 "more variety.")
                                      .arg(augment.join(QStringLiteral(" and "))));
  } else {
    lines << QStringLiteral("Texts were cut to %1 tokens.").arg(c.maxTokens);
  }
  const QString monitored = c.monitor == MonitorMetric::ValLoss
                                ? QStringLiteral("the lowest validation loss")
                                : QStringLiteral("the highest validation accuracy");
  lines << (c.patience > 0
                ? QStringLiteral("The best checkpoint is the epoch with %1; training would stop after "
                                 "%2 epochs without improvement.")
                      .arg(monitored)
                      .arg(c.patience)
                : QStringLiteral("The best checkpoint is the epoch with %1.").arg(monitored));
  return lines;
}

namespace {

std::vector<Finding> collectFindings(const SavedRun& run, const RunEvaluation* evaluation) {
  std::vector<Finding> findings;
  auto add = [&findings](Finding::Kind kind, QString text) { findings.push_back({kind, std::move(text)}); };

  // The data.
  if (run.trainClassCounts.size() == size_t(run.classes.size()) && !run.trainClassCounts.empty()) {
    const auto [smallest, largest] =
        std::minmax_element(run.trainClassCounts.begin(), run.trainClassCounts.end());
    for (qsizetype i = 0; i < run.classes.size(); ++i)
      if (run.trainClassCounts[size_t(i)] < kFewExamples)
        add(Finding::Warning,
            QStringLiteral("Class %1 has too few examples: only %2 to train on. Adding examples of it "
                           "(%3 or more) is the surest way to improve it.")
                .arg(quoted(run.classes[i]))
                .arg(run.trainClassCounts[size_t(i)])
                .arg(kFewExamples));
    if (*smallest > 0 && *largest >= 3 * *smallest)
      add(Finding::Note,
          QStringLiteral("The classes are imbalanced: %1 has %2 times as many training examples as %3.")
              .arg(quoted(run.classes[largest - run.trainClassCounts.begin()]))
              .arg(QString::number(double(*largest) / *smallest, 'f', 1))
              .arg(quoted(run.classes[smallest - run.trainClassCounts.begin()])));
  }

  // The curves.
  const int best = run.bestEpoch();
  if (!run.epochs.empty()) {
    const EpochRecord& last = run.epochs.back();
    if (run.folds.isEmpty() && last.epoch < run.config.epochs)
      add(Finding::Note, QStringLiteral("The run ended after %1 of its %2 epochs (stopped early or by hand).")
                             .arg(last.epoch)
                             .arg(run.config.epochs));
    const auto lowestLoss =
        std::min_element(run.epochs.begin(), run.epochs.end(), [](const auto& a, const auto& b) {
          return std::isfinite(a.valLoss) && (!std::isfinite(b.valLoss) || a.valLoss < b.valLoss);
        });
    if (lowestLoss->epoch < last.epoch && last.valLoss > lowestLoss->valLoss * 1.05)
      add(Finding::Warning,
          QStringLiteral(
              "Validation loss rose after epoch %1 (from %2 to %3 at epoch %4): the model began to "
              "learn its training examples by heart. The best checkpoint is from epoch %5.")
              .arg(lowestLoss->epoch)
              .arg(QString::number(lowestLoss->valLoss, 'f', 3), QString::number(last.valLoss, 'f', 3))
              .arg(last.epoch)
              .arg(best));
    else if (best == last.epoch && run.epochs.size() >= 3 &&
             last.valAccuracy > run.epochs[run.epochs.size() - 3].valAccuracy + 0.01)
      add(Finding::Note,
          QStringLiteral("Validation accuracy was still rising at the last epoch (%1): more epochs "
                         "may help.")
              .arg(percent(last.valAccuracy)));
    if (last.trainAccuracy - last.valAccuracy > 0.15)
      add(Finding::Warning,
          QStringLiteral("Training accuracy (%1) is far above validation accuracy (%2) at the "
                         "last epoch: the model fits its training examples better than new "
                         "ones. More data, augmentation or regularisation help.")
              .arg(percent(last.trainAccuracy), percent(last.valAccuracy)));
  }

  if (!evaluation) return findings;
  const ClassificationMetrics& m = evaluation->metrics;
  if (m.count == 0) {
    add(Finding::Warning, QStringLiteral("No example could be scored."));
    return findings;
  }
  if (m.skipped > 0)
    add(Finding::Warning,
        QStringLiteral("%1 examples could not be read and were not scored.").arg(m.skipped));
  // Chance level: always answering the most common class.
  int commonest = 0;
  for (size_t c = 1; c < m.classes.size(); ++c)
    if (m.classes[c].support > m.classes[size_t(commonest)].support) commonest = int(c);
  const double baseline = double(m.classes[size_t(commonest)].support) / m.count;
  if (m.accuracy <= baseline + 0.02)
    add(Finding::Warning,
        QStringLiteral("The model is no better than always answering %1, which is right for %2 of "
                       "these examples.")
            .arg(quoted(m.classes[size_t(commonest)].name), percent(baseline)));
  else
    add(Finding::Good,
        QStringLiteral("The model is right on %1 of the %2 examples, against %3 for always answering "
                       "the commonest class.")
            .arg(percent(m.accuracy))
            .arg(m.count)
            .arg(percent(baseline)));
  for (size_t t = 0; t < m.classes.size(); ++t) {
    const ClassMetrics& c = m.classes[t];
    if (c.support > 0 && c.predicted == 0)
      add(Finding::Warning,
          QStringLiteral("The model never answers %1: none of its %2 examples was recognised.")
              .arg(quoted(c.name))
              .arg(c.support));
    else if (c.support > 0 && c.recall < 0.5) {
      size_t confused = t == 0 ? 1 : 0;
      for (size_t p = 0; p < m.classes.size(); ++p)
        if (p != t && m.confusion[t][p] > m.confusion[t][confused]) confused = p;
      add(Finding::Warning,
          QStringLiteral("Only %1 of the %2 %3 examples were recognised; %4 were taken for %5.")
              .arg(m.confusion[t][t])
              .arg(c.support)
              .arg(quoted(c.name))
              .arg(m.confusion[t][confused])
              .arg(quoted(m.classes[confused].name)));
    }
  }
  // The most common mistake.
  int worst = 0;
  size_t worstTrue = 0, worstPredicted = 0;
  for (size_t t = 0; t < m.confusion.size(); ++t)
    for (size_t p = 0; p < m.confusion[t].size(); ++p)
      if (t != p && m.confusion[t][p] > worst) {
        worst = m.confusion[t][p];
        worstTrue = t;
        worstPredicted = p;
      }
  if (worst > 0)
    add(Finding::Note, QStringLiteral("The most common mistake: %1 taken for %2 (%3 of %4 %1 examples).")
                           .arg(quoted(m.classes[worstTrue].name), quoted(m.classes[worstPredicted].name))
                           .arg(worst)
                           .arg(m.classes[worstTrue].support));
  if (!m.absentClasses.isEmpty())
    add(Finding::Note,
        QStringLiteral("No example of %1 was in this data, so how well the model knows it is not "
                       "measured here.")
            .arg(m.absentClasses.join(QStringLiteral(", "))));
  if (m.expectedCalibrationError > 0.1)
    add(Finding::Warning,
        QStringLiteral("The model's confidence is off from its real accuracy by %1 points on "
                       "average (calibration error): read its probabilities as rough.")
            .arg(QString::number(100.0 * m.expectedCalibrationError, 'f', 1)));
  else
    add(Finding::Good,
        QStringLiteral("The model's confidence matches how often it is right (calibration error %1 "
                       "points): a 90% answer is right about 9 times in 10.")
            .arg(QString::number(100.0 * m.expectedCalibrationError, 'f', 1)));
  return findings;
}

}  // namespace

std::vector<Finding> runFindings(const SavedRun& run, const RunEvaluation* evaluation) {
  std::vector<Finding> findings = collectFindings(run, evaluation);
  // Warnings first, then notes, then what went well.
  std::stable_sort(findings.begin(), findings.end(),
                   [](const Finding& a, const Finding& b) { return a.kind > b.kind; });
  return findings;
}

}  // namespace attune
