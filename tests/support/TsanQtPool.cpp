// Linked into every test program and its helper programs in a ThreadSanitizer build only
// (attune_tsan_qt_pool, tests/CMakeLists.txt).
//
// Qt's global thread pool (core's parallel steps: QtConcurrent::blockingMap in the image folder scan
// and the data health check; Qt's own painting) keeps its queue and its threads' bookkeeping in
// memory that its threads move and share behind Qt's futex-based mutexes, which TSan does not see in
// Debian's Qt (not built with TSan): with two or more pool threads, each scan in a window test was
// reported as a race between two pool threads inside libQt6Core (first seen: DataPanel's scan in
// test_main_window; Qt's image conversions that the batch loader's workers hand to the pool in
// test_training_session; the label tools' scan), with no Attune frame to name in a suppression. With
// one pool thread there is no second pool thread to race with; the scan still runs on that thread
// and its caller, and Attune's own threads (the loader's workers, the training thread, the window's
// workers: ui/GuiHandOff.h) are what these programs check.

#include <QThreadPool>

namespace {

const bool kQtPoolCapped = [] {
  QThreadPool::globalInstance()->setMaxThreadCount(1);
  return true;
}();

}  // namespace
