#include "ui/GuiHandOff.h"

#include <QSocketNotifier>
#include <QThread>

#include <deque>
#include <mutex>
#include <set>
#include <utility>

#include <sys/eventfd.h>
#include <unistd.h>

namespace attune::ui {
namespace {

// The calls of every inbox, and the wake-up of the thread that runs them. Made on first use by the
// first inbox (on the GUI thread) and kept for the life of the process.
class Dispatcher {
 public:
  static Dispatcher& instance() {
    static Dispatcher dispatcher;
    return dispatcher;
  }

  std::uint64_t open() {
    std::lock_guard lock(m_mutex);
    const std::uint64_t id = ++m_lastId;
    m_open.insert(id);
    return id;
  }

  void close(std::uint64_t id) {
    std::lock_guard lock(m_mutex);
    m_open.erase(id);
    std::erase_if(m_calls, [id](const Call& call) { return call.inbox == id; });
  }

  void post(std::uint64_t inbox, std::function<void()> call) {
    {
      std::lock_guard lock(m_mutex);
      if (!m_open.contains(inbox)) return;
      m_calls.push_back({inbox, std::move(call)});
    }
    const std::uint64_t one = 1;
    // The counter only wakes the reader; a full counter (2^64 - 2 wake-ups unread) wakes it too.
    [[maybe_unused]] const ssize_t written = ::write(m_eventFd, &one, sizeof one);
  }

 private:
  struct Call {
    std::uint64_t inbox;
    std::function<void()> call;
  };

  Dispatcher() : m_eventFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    // Without an eventfd (none left to this process) nothing could come back: that is a broken
    // system, not a state the window can work in.
    if (m_eventFd < 0) qFatal("Attune could not create an eventfd for its worker threads.");
    m_notifier = new QSocketNotifier(m_eventFd, QSocketNotifier::Read);
    QObject::connect(m_notifier, &QSocketNotifier::activated, m_notifier, [this] { runPending(); });
  }

  // One call at a time, taken under the lock and run outside it: a call may post, destroy an inbox,
  // or run a nested event loop (a message box) in which later calls run.
  void runPending() {
    std::uint64_t count = 0;
    [[maybe_unused]] const ssize_t read = ::read(m_eventFd, &count, sizeof count);
    for (;;) {
      std::function<void()> call;
      {
        std::lock_guard lock(m_mutex);
        if (m_calls.empty()) return;
        call = std::move(m_calls.front().call);
        m_calls.pop_front();
      }
      call();
    }
  }

  std::mutex m_mutex;
  std::deque<Call> m_calls;
  std::set<std::uint64_t> m_open;
  std::uint64_t m_lastId = 0;
  int m_eventFd;
  QSocketNotifier* m_notifier = nullptr;  // kept for the process's life, like the dispatcher
};

}  // namespace

HandOffInbox::HandOffInbox() : m_id(Dispatcher::instance().open()) {}

HandOffInbox::~HandOffInbox() {
  Dispatcher::instance().close(m_id);
}

void HandOffInbox::post(std::function<void()> call) {
  Dispatcher::instance().post(m_id, std::move(call));
}

}  // namespace attune::ui
