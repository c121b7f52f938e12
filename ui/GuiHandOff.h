#pragma once
// Hands work from a worker thread to the GUI thread (or any QObject's thread) so that everything the
// worker did before is visible there, in a way ThreadSanitizer can check.
//
// Qt's queued calls are ordered by Qt's own futex-based mutexes, which TSan does not see in Debian's
// Qt (not built with TSan): a result the worker wrote and the GUI thread read, or the queued call's
// event that one thread allocates and the other deletes, would be reported as races (tests/sanitize).
// postToGui posts the call while holding a std::mutex (a pthread mutex, which TSan sees) and the call
// takes the same mutex before it runs: the worker's writes happen before the call in TSan's eyes as
// they do in fact. The window's worker threads are std::threads, joined by their owners (pthread_join,
// which TSan sees too), never Qt thread pools whose hand-overs it cannot see.

#include <QObject>

#include <functional>

namespace attune::ui {

// Runs `call` on `receiver`'s thread, queued; dropped when `receiver` is destroyed first (its owner
// then joins the worker before destroying it). Safe from any thread.
void postToGui(QObject* receiver, std::function<void()> call);

}  // namespace attune::ui
