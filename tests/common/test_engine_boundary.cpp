// The engine boundary (core/common/EngineBoundary.h) on its own: what a LibTorch-style exception, an
// exhausted allocator and something that is not a std::exception become, and that results pass
// through untouched. The real LibTorch failures are injected in tests/cli/test_cli_engine_failures
// and tests/ui/test_engine_failures.

#include "core/common/EngineBoundary.h"

#include <QTest>

#include <new>
#include <stdexcept>

using namespace attune;

namespace {

// What c10::Error::what() looks like: the reason, then where it was raised and a backtrace.
constexpr char kLibTorchMessage[] =
    "shape '[5]' is invalid for input of size 6\n"
    "Exception raised from infer_size_impl at ../aten/src/ATen/InferSize.h:71 (most recent call first):\n"
    "frame #0: c10::Error::Error(c10::SourceLocation, std::string) + 0x57 (0x7f3c in libc10.so)\n"
    "frame #1: at::infer_size_dv(c10::ArrayRef<long>, long) + 0x2a1 (0x7f3d in libtorch_cpu.so)\n";

}  // namespace

class TestEngineBoundary : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void multiLineExceptionBecomesItsFirstLine() {
    const Result<int> result = guardEngine(QStringLiteral("Evaluating the model"), []() -> Result<int> {
      throw std::runtime_error(kLibTorchMessage);
    });
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, ErrorCode::Internal);
    QCOMPARE(result.error().detail, int(EngineFailure::Exception));
    QCOMPARE(result.error().message,
             QStringLiteral("Evaluating the model failed: shape '[5]' is invalid for input of size 6."));
    QVERIFY(!result.error().hint.isEmpty());
    QVERIFY(!result.error().text().contains(QLatin1Char('\n')));
    QVERIFY(!result.error().text().contains(QStringLiteral("Exception raised from")));
  }

  void badAllocBecomesNotEnoughMemory() {
    const Status status =
        guardEngine(QStringLiteral("Classifying the images"), []() -> Status { throw std::bad_alloc(); });
    QVERIFY(!status.ok());
    QCOMPARE(status.error().detail, int(EngineFailure::OutOfMemory));
    QCOMPARE(status.error().message,
             QStringLiteral("Classifying the images failed: there was not enough memory."));
    QVERIFY2(status.error().hint.contains(QStringLiteral("smaller batch size or input size")),
             qPrintable(status.error().hint));
  }

  // LibTorch's own allocators throw a c10::Error, not std::bad_alloc; their message says it.
  void allocatorFailureIsNotEnoughMemory() {
    const Status status = guardEngine(QStringLiteral("Training"), []() -> Status {
      throw std::runtime_error(
          "DefaultCPUAllocator: can't allocate memory: you tried to allocate 8589934592 bytes. Error code 12 "
          "(Cannot allocate memory)\nException raised from alloc_cpu at ../c10/core/impl/alloc_cpu.cpp:72\n");
    });
    QVERIFY(!status.ok());
    QCOMPARE(status.error().detail, int(EngineFailure::OutOfMemory));
    QVERIFY(status.error().message.startsWith(QStringLiteral(
        "Training failed: DefaultCPUAllocator: can't allocate memory: you tried to allocate")));
    QVERIFY(!status.error().message.contains(QLatin1Char('\n')));
    QVERIFY(status.error().hint.contains(QStringLiteral("smaller batch size")));
  }

  void somethingElseThrownIsCaughtToo() {
    const Status status = guardEngine(QStringLiteral("Exporting the model"), []() -> Status { throw 42; });
    QVERIFY(!status.ok());
    QCOMPARE(status.error().detail, int(EngineFailure::Exception));
    QCOMPARE(status.error().message, QStringLiteral("Exporting the model failed: no reason was given."));
    const Status empty = guardEngine(QStringLiteral("Exporting the model"),
                                     []() -> Status { throw std::runtime_error("\n"); });
    QCOMPARE(empty.error().message, QStringLiteral("Exporting the model failed: no reason was given."));
  }

  // A reason that ends a sentence keeps its own full stop.
  void reasonEndingInAFullStopGetsNoSecond() {
    const Status status = guardEngine(QStringLiteral("Training"), []() -> Status {
      throw std::runtime_error("Expected all tensors to be on the same device.\nframe #0: ...");
    });
    QCOMPARE(status.error().message,
             QStringLiteral("Training failed: Expected all tensors to be on the same device."));
  }

  void resultsPassThroughUntouched() {
    const Result<int> value = guardEngine(QStringLiteral("Anything"), []() -> Result<int> { return 7; });
    QVERIFY(value.ok());
    QCOMPARE(*value, 7);
    const Result<int> error = guardEngine(QStringLiteral("Anything"), []() -> Result<int> {
      return Error(ErrorCode::FileNotFound, QStringLiteral("No such run."), QStringLiteral("Train first."));
    });
    QVERIFY(!error.ok());
    QCOMPARE(error.error().code, ErrorCode::FileNotFound);
    QCOMPARE(error.error().text(), QStringLiteral("No such run. Train first."));
    const Status ok = guardEngine(QStringLiteral("Anything"), []() -> Status { return {}; });
    QVERIFY(ok.ok());
  }

  void firstLineOfTrimsAndToleratesNull() {
    QCOMPARE(firstLineOf("  first  \nsecond"), QStringLiteral("first"));
    QCOMPARE(firstLineOf(""), QString());
    QCOMPARE(firstLineOf(nullptr), QString());
  }
};

QTEST_GUILESS_MAIN(TestEngineBoundary)
#include "test_engine_boundary.moc"
