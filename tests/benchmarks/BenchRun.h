#pragma once
// Benchmark helpers: run a project's training in its worker thread (TrainingThread, as the GUI does)
// and read the figures off the published StepMetrics / EpochMetrics. Header-only; the benchmarks are
// separate programs.

#include "core/project/Project.h"
#include "core/training/TrainingJob.h"
#include "core/training/TrainingSession.h"
#include "tests/support/TfjsTestData.h"

#include <QCommandLineParser>
#include <QDir>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace attune::bench {

// Everything the run published, and how it ended.
struct RunTrace {
  std::vector<StepMetrics> steps;
  std::vector<EpochMetrics> epochs;
  std::vector<RunEvent> events;
  RunSummary summary;
};

// Decides, from what was published so far, that the run has shown what the benchmark needs.
using StopWhen = std::function<bool(const RunTrace&)>;

// Prepares the project's job and trains it in a worker thread until it ends or `stopWhen` says so
// (then it stops at the next step boundary, without validating).
inline Result<RunTrace> trainUntil(const Project& project, const StopWhen& stopWhen) {
  auto job = prepareTrainingJob(project);
  if (!job) return job.error();
  RunTrace trace;
  TrainingThread thread(std::make_unique<TrainingSession>(*job));
  bool stopRequested = false;
  auto collect = [&] {
    auto drain = thread.session().metrics().drain();
    trace.steps.insert(trace.steps.end(), drain.steps.begin(), drain.steps.end());
    trace.epochs.insert(trace.epochs.end(), drain.epochs.begin(), drain.epochs.end());
    trace.events.insert(trace.events.end(), drain.events.begin(), drain.events.end());
  };
  while (!thread.wait(20)) {
    collect();
    if (!stopRequested && stopWhen(trace)) {
      thread.session().requestStop();
      stopRequested = true;
    }
  }
  collect();
  trace.summary = thread.session().summary();
  if (trace.summary.outcome == RunOutcome::Failed) return Error(ErrorCode::BadValue, trace.summary.message);
  return trace;
}

// Throughput of the training steps after a warm-up (first allocations, loader start-up). Only full
// batches of one epoch count, so no validation pass and no short last batch falls in the window.
struct StepThroughput {
  double imagesPerSecond = 0.0;
  double msPerStep = 0.0;
  double firstLoss = 0.0;     // of the first measured step
  double lastLoss = 0.0;      // of the last measured step
  double meanLastLoss = 0.0;  // mean over the last (up to) 5 measured steps, less noisy than one batch
  StepPhases phases;          // per measured step, on average (StepPhases)
  double otherMs = 0.0;       // the rest of a step: msPerStep minus the phases
};

// "data 12.0 (3%), to tensor 0.1 (0%), forward ..., other ..." of an average step.
inline QString describePhases(const StepPhases& p, double otherMs) {
  const double total = p.totalMs() + otherMs;
  const auto part = [total](const char* name, double ms) {
    return QStringLiteral("%1 %2 ms (%3%)")
        .arg(QLatin1String(name))
        .arg(ms, 0, 'f', 1)
        .arg(total > 0 ? 100.0 * ms / total : 0.0, 0, 'f', 0);
  };
  return QStringList{part("data wait", p.dataWaitMs), part("to tensor", p.toTensorMs),
                     part("forward", p.forwardMs),    part("backward", p.backwardMs),
                     part("update", p.updateMs),      part("other", otherMs)}
      .join(QStringLiteral(", "));
}

// `trace`, when given, receives everything the run published.
inline Result<StepThroughput> measureSteps(Project project, int warmupSteps, int measuredSteps,
                                           RunTrace* trace = nullptr) {
  project.config.epochs = 1;
  const int wanted = warmupSteps + measuredSteps;
  auto record = trainUntil(project, [&](const RunTrace& r) { return int(r.steps.size()) >= wanted; });
  if (!record) return record.error();
  if (trace) *trace = *record;
  const auto& steps = record->steps;
  if (int(steps.size()) < wanted || steps.front().stepsTotal <= wanted)
    return Error(ErrorCode::BadValue,
                 QStringLiteral("%1 steps ran, %2 full batches needed.").arg(steps.size()).arg(wanted + 1),
                 QStringLiteral("Use more images per class."));
  const StepMetrics& start = steps[size_t(warmupSteps) - 1];  // the end of the warm-up
  const StepMetrics& end = steps[size_t(wanted) - 1];
  const double ms = end.elapsedMs - start.elapsedMs;
  StepThroughput result;
  result.msPerStep = ms / measuredSteps;
  result.imagesPerSecond = measuredSteps * double(project.config.batchSize) / (ms / 1000.0);
  result.firstLoss = steps[size_t(warmupSteps)].trainLoss;
  result.lastLoss = end.trainLoss;
  const int tail = std::min(5, measuredSteps);
  for (int i = wanted - tail; i < wanted; ++i) result.meanLastLoss += steps[size_t(i)].trainLoss / tail;
  for (int i = warmupSteps; i < wanted; ++i) {
    const StepPhases& p = steps[size_t(i)].phases;
    result.phases.dataWaitMs += p.dataWaitMs / measuredSteps;
    result.phases.toTensorMs += p.toTensorMs / measuredSteps;
    result.phases.forwardMs += p.forwardMs / measuredSteps;
    result.phases.backwardMs += p.backwardMs / measuredSteps;
    result.phases.updateMs += p.updateMs / measuredSteps;
  }
  result.otherMs = std::max(0.0, result.msPerStep - result.phases.totalMs());
  return result;
}

// A project on an image folder with one sub-folder per class; runs go to `workDir`/runs.
inline Project folderProject(const QString& workDir, const QString& dataFolder, double valFraction) {
  Project project;
  project.filePath = QDir(workDir).filePath(QStringLiteral("bench.attune"));
  project.name = QStringLiteral("bench");
  project.data.folder = QDir(dataFolder).absolutePath();
  project.data.valFraction = valFraction;
  return project;
}

// Applies "key=value" settings (the keys of `attune-cli train --set`); false after printing the error.
inline bool applySettings(TrainingConfig& config, const QStringList& settings) {
  for (const QString& setting : settings) {
    const qsizetype eq = setting.indexOf(QLatin1Char('='));
    if (eq <= 0) {
      std::fprintf(stderr, "Not a key=value setting: %s\n", qPrintable(setting));
      return false;
    }
    if (auto s = config.set(setting.left(eq), setting.mid(eq + 1)); !s) {
      std::fprintf(stderr, "%s\n", qPrintable(s.error().text()));
      return false;
    }
  }
  return true;
}

// The options every benchmark takes: --threads (2 by default), --workers (Attune's automatic choice
// by default, "auto"; a number sets runtime.loader_workers) and --set key=value.
class RuntimeOptions {
 public:
  void addTo(QCommandLineParser& parser) const { parser.addOptions({m_threads, m_workers, m_set}); }
  // The benchmark's own settings, then the threads and workers, then every --set (which win).
  QStringList settings(const QCommandLineParser& parser, const QStringList& own) const {
    QStringList runtime{QStringLiteral("runtime.threads=") + parser.value(m_threads)};
    if (parser.value(m_workers) != QLatin1String("auto"))
      runtime << QStringLiteral("runtime.loader_workers=") + parser.value(m_workers);
    return own + runtime + parser.values(m_set);
  }
  // "2 threads, 2 loader workers" (or "automatic loader workers"), for the header line.
  QString describe(const QCommandLineParser& parser) const {
    const QString workers = parser.value(m_workers) == QLatin1String("auto")
                                ? QStringLiteral("automatic loader workers (core/training/LoaderPolicy.h)")
                                : parser.value(m_workers) + QStringLiteral(" loader workers");
    return QStringLiteral("%1 threads, %2").arg(parser.value(m_threads), workers);
  }

 private:
  QCommandLineOption m_threads{QStringLiteral("threads"), QStringLiteral("runtime.threads."),
                               QStringLiteral("n"), QStringLiteral("2")};
  QCommandLineOption m_workers{QStringLiteral("workers"), QStringLiteral("runtime.loader_workers, or auto."),
                               QStringLiteral("n"), QStringLiteral("auto")};
  QCommandLineOption m_set{QStringLiteral("set"), QStringLiteral("Any other setting."),
                           QStringLiteral("key=value")};
};

// --warmup (steps not measured) and --steps (steps measured) for measureSteps.
class StepCountOptions {
 public:
  StepCountOptions(int warmupSteps, int measuredSteps)
      : m_warmup(QStringLiteral("warmup"), QStringLiteral("Steps not measured."), QStringLiteral("n"),
                 QString::number(warmupSteps)),
        m_steps(QStringLiteral("steps"), QStringLiteral("Steps measured."), QStringLiteral("n"),
                QString::number(measuredSteps)) {}
  void addTo(QCommandLineParser& parser) const { parser.addOptions({m_warmup, m_steps}); }
  int warmupSteps(const QCommandLineParser& parser) const {
    return std::max(1, parser.value(m_warmup).toInt());
  }
  int measuredSteps(const QCommandLineParser& parser) const {
    return std::max(1, parser.value(m_steps).toInt());
  }

 private:
  QCommandLineOption m_warmup;
  QCommandLineOption m_steps;
};

// The engine's own words on a subject (the events that mention any of `words`), joined in one line, so
// that a run that ignored a setting shows it.
inline QString eventsMentioning(const RunTrace& trace, const QStringList& words) {
  QStringList notes;
  for (const RunEvent& e : trace.events)
    for (const QString& word : words)
      if (e.message.contains(word, Qt::CaseInsensitive)) {
        notes << e.message;
        break;
      }
  return notes.join(QLatin1Char(' '));
}

// nsfwjs's MobileNetV2 as a TF.js export: `given` when not empty, else the copy fetched once (npm) by
// tests/weights/fetch_tfjs_data.sh into the test cache; empty, after saying so, when it cannot be had.
inline QString nsfwjsMobileNetV2(const QString& given) {
  if (!given.isEmpty()) return given;
  // The fetch script's path reaches tests through ctest's environment; a benchmark knows it itself.
  if (qEnvironmentVariableIsEmpty("ATTUNE_TFJS_FETCH_SCRIPT"))
    qputenv("ATTUNE_TFJS_FETCH_SCRIPT", ATTUNE_TFJS_FETCH_SCRIPT);
  const QString cache = testing::fetchTfjsTestData();
  if (cache.isEmpty()) {
    std::fprintf(stderr, "Could not fetch the TF.js export; pass --weights FOLDER.\n");
    return {};
  }
  return cache + QStringLiteral("/nsfwjs/mobilenet_v2");
}

}  // namespace attune::bench
