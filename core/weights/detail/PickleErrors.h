#pragma once
// The errors of the restricted unpickler (RestrictedUnpickler.cpp and PickleGlobals.cpp): a malformed
// pickle, a safety limit reached, and a name from the file made printable for a message.

#include "core/common/Result.h"
#include "core/weights/CheckpointError.h"

#include <QString>

#include <string>

namespace attune::detail {

inline Error pickleError(CheckpointError kind, const QString& message) {
  Error error(
      ErrorCode::BadFormat, message,
      QStringLiteral("The file may be damaged or not a PyTorch checkpoint; save it again with torch.save."));
  error.detail = static_cast<int>(kind);
  return error;
}

inline Error malformed(const QString& what) {
  return pickleError(CheckpointError::BadPickle,
                     QStringLiteral("The checkpoint's pickle is malformed: %1.").arg(what));
}

inline Error limit(const QString& what) {
  return pickleError(CheckpointError::LimitExceeded,
                     QStringLiteral("The checkpoint's pickle exceeds a safety limit (%1).").arg(what));
}

// A name from the file, printable and short, for messages.
inline QString printable(const std::string& text) {
  constexpr qsizetype kMaxNameCharsInMessage = 120;
  QString out;
  for (char c : text) {
    if (out.size() >= kMaxNameCharsInMessage) return out + QStringLiteral("…");
    out += (c >= 0x20 && c < 0x7f) ? QChar(c) : QChar('?');
  }
  return out;
}

}  // namespace attune::detail
