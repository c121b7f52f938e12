#include "core/weights/WeightSource.h"

namespace attune {

namespace {

bool isLowerHex(const QString& text) {
  if (text.isEmpty()) return false;
  for (const QChar c : text)
    if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f'))) return false;
  return true;
}

}  // namespace

QString WeightSource::expectedHash() const {
  if (!sha256.isEmpty()) return sha256.toLower();
  return sha256Prefix.toLower();
}

HashMatch compareHash(const WeightSource& source, const QString& actual_sha256) {
  const QString expected = source.expectedHash();
  if (expected.isEmpty()) return HashMatch::NothingToCheck;
  const QString actual = actual_sha256.toLower();
  // A full hash must match exactly; a prefix must be a proper start of the actual hash.
  const bool matches = source.sha256.isEmpty() ? actual.startsWith(expected) : actual == expected;
  return matches ? HashMatch::Matches : HashMatch::Differs;
}

QUrl huggingFaceUrl(const QString& repo, const QString& revision, const QString& path) {
  const QString rev = revision.isEmpty() ? QStringLiteral("main") : revision;
  QUrl url;
  url.setScheme(QStringLiteral("https"));
  url.setHost(QStringLiteral("huggingface.co"));
  // Revisions such as "refs/pr/1" keep their slashes, as the Hub expects them in the URL.
  url.setPath(QStringLiteral("/") + repo + QStringLiteral("/resolve/") + rev + QStringLiteral("/") + path);
  return url;
}

QString torchHubHashPrefix(const QString& fileName) {
  const qsizetype dash = fileName.lastIndexOf(u'-');
  if (dash < 0) return {};
  const qsizetype dot = fileName.indexOf(u'.', dash + 1);
  if (dot < 0) return {};
  const QString candidate = fileName.mid(dash + 1, dot - dash - 1);
  return isLowerHex(candidate) ? candidate : QString();
}

}  // namespace attune
