// ProcessMemory (core/common/ProcessMemory.h): the resident memory the process holds now and at its
// peak, measured against memory this test touches itself, and the peak started afresh.

#include "core/common/ProcessMemory.h"

#include <QTest>

#include <cstring>
#include <memory>

using namespace attune;

class TestProcessMemory : public QObject {
  Q_OBJECT

  static constexpr int64_t kTouched = 256LL * 1024 * 1024;

 private Q_SLOTS:
  // Touching 256 MiB raises both the resident memory and its peak by about that much; freeing it
  // lowers the resident memory and leaves the peak; a reset brings the peak down to what is resident.
  void peakFollowsTouchedMemoryAndResets() {
    const auto before = residentBytes();
    const auto peakBefore = peakResidentBytes();
    QVERIFY(before && peakBefore);
    QVERIFY(*before > 0 && *peakBefore >= *before);
    {
      auto block = std::make_unique<char[]>(size_t(kTouched));
      std::memset(block.get(), 1, size_t(kTouched));  // resident only once written
      QVERIFY(block[size_t(kTouched) - 1] == 1);
      const auto during = residentBytes();
      QVERIFY(during);
      QVERIFY2(*during >= *before + kTouched * 9 / 10,
               qPrintable(QStringLiteral("%1 -> %2").arg(*before).arg(*during)));
    }
    const auto after = residentBytes();
    const auto peak = peakResidentBytes();
    QVERIFY(after && peak);
    QVERIFY2(*peak >= *before + kTouched * 9 / 10, qPrintable(QStringLiteral("peak %1").arg(*peak)));
    QVERIFY2(*after < *peak - kTouched / 2, qPrintable(QStringLiteral("%1 of %2").arg(*after).arg(*peak)));
    QVERIFY(resetPeakResident());
    const auto reset = peakResidentBytes();
    QVERIFY(reset);
    QVERIFY2(*reset < *peak - kTouched / 2, qPrintable(QStringLiteral("peak %1 after reset").arg(*reset)));
  }

  void bytesInWords() {
    QCOMPARE(describeBytes(1'400'000'000), QStringLiteral("1.4 GB"));
    QCOMPARE(describeBytes(820'400'000), QStringLiteral("820 MB"));
    QCOMPARE(describeBytes(12'500), QStringLiteral("13 kB"));
    QCOMPARE(describeBytes(999), QStringLiteral("999 bytes"));
  }
};

QTEST_GUILESS_MAIN(TestProcessMemory)
#include "test_process_memory.moc"
