#include "core/common/EngineBoundary.h"

#include <new>

namespace attune {
namespace {

// What LibTorch's allocators say when memory runs out (CPU: "DefaultCPUAllocator: can't allocate
// memory: you tried to allocate ..."; CUDA: "CUDA out of memory. Tried to allocate ...").
bool saysOutOfMemory(const QString& reason) {
  return reason.contains(QLatin1String("out of memory"), Qt::CaseInsensitive) ||
         reason.contains(QLatin1String("can't allocate memory"), Qt::CaseInsensitive) ||
         reason.contains(QLatin1String("not enough memory"), Qt::CaseInsensitive);
}

QString sentence(const QString& action, const QString& reason) {
  const QString text = QStringLiteral("%1 failed: %2").arg(action, reason);
  return text.endsWith(QLatin1Char('.')) ? text : text + QLatin1Char('.');
}

Error outOfMemory(const QString& message) {
  Error error(ErrorCode::Internal, message,
              QStringLiteral("Try a smaller batch size or input size, or close other programs."));
  error.detail = int(EngineFailure::OutOfMemory);
  return error;
}

Error failed(const QString& message) {
  Error error(
      ErrorCode::Internal, message,
      QStringLiteral("If it keeps happening, report it with this message and the project's settings."));
  error.detail = int(EngineFailure::Exception);
  return error;
}

}  // namespace

QString firstLineOf(const char* what) {
  if (!what) return {};
  return QString::fromUtf8(what).section(QLatin1Char('\n'), 0, 0).trimmed();
}

Error engineError(const QString& action, const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e))
    return outOfMemory(sentence(action, QStringLiteral("there was not enough memory")));
  const QString reason = firstLineOf(e.what());
  if (reason.isEmpty()) return failed(sentence(action, QStringLiteral("no reason was given")));
  return saysOutOfMemory(reason) ? outOfMemory(sentence(action, reason)) : failed(sentence(action, reason));
}

Error unknownEngineError(const QString& action) {
  return failed(sentence(action, QStringLiteral("no reason was given")));
}

}  // namespace attune
