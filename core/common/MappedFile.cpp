#include "core/common/MappedFile.h"

#include "core/common/FileRead.h"

#include <QFile>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <utility>

#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace attune {
namespace {

// The maps the SIGBUS handler may answer for. Plain atomics: the handler reads them without locks.
struct Slot {
  std::atomic<bool> taken{false};
  std::atomic<uintptr_t> begin{0};  // 0 while the slot is not (yet) a live map
  std::atomic<uintptr_t> end{0};
  std::atomic<bool> faulted{false};
};
constexpr int kSlots = 64;
Slot g_slots[kSlots];
uintptr_t g_pageSize = 4096;
struct sigaction g_previous {};
std::once_flag g_installed;
std::function<void(const QString&)> g_afterMapHook;

void onBusError(int signal_number, siginfo_t* info, void* context) {
  const auto address = reinterpret_cast<uintptr_t>(info->si_addr);
  for (Slot& slot : g_slots) {
    const uintptr_t begin = slot.begin.load(std::memory_order_acquire);
    if (begin == 0 || address < begin || address >= slot.end.load(std::memory_order_acquire)) continue;
    // The file ends before this page now: put a page of zeros in its place and let the read go on.
    const uintptr_t page = address & ~(g_pageSize - 1);
    void* zeros = ::mmap(reinterpret_cast<void*>(page), g_pageSize, PROT_READ,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (zeros != MAP_FAILED) {
      slot.faulted.store(true, std::memory_order_release);
      return;
    }
    break;
  }
  // Not a read of one of our maps: whatever handled SIGBUS before does.
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(signal_number, info, context);
    return;
  }
  if ((g_previous.sa_flags & SA_SIGINFO) == 0 && g_previous.sa_handler != SIG_DFL &&
      g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(signal_number);
    return;
  }
  // The default action: the faulting access repeats on return and ends the process, as without us.
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  sigemptyset(&fallback.sa_mask);
  ::sigaction(SIGBUS, &fallback, nullptr);
}

void installHandler() {
  g_pageSize = uintptr_t(::sysconf(_SC_PAGESIZE));
  struct sigaction action {};
  action.sa_sigaction = onBusError;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGBUS, &action, &g_previous);
}

int claimSlot(const char* data, qsizetype size) {
  for (int i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (!g_slots[i].taken.compare_exchange_strong(expected, true)) continue;
    g_slots[i].faulted.store(false);
    g_slots[i].end.store(reinterpret_cast<uintptr_t>(data) + uintptr_t(size), std::memory_order_release);
    g_slots[i].begin.store(reinterpret_cast<uintptr_t>(data), std::memory_order_release);
    return i;
  }
  return -1;
}

}  // namespace

Result<MappedFile> MappedFile::open(const QString& path, const QString& what) {
  QFile file;
  if (auto opened = openRegularFile(file, path, -1, what); !opened) return opened.error();
  MappedFile mapped;
  mapped.m_path = path;
  mapped.m_what = what;
  const qint64 size = file.size();
  if (size > 0) {
    std::call_once(g_installed, installHandler);
    void* data = ::mmap(nullptr, size_t(size), PROT_READ, MAP_PRIVATE, file.handle(), 0);
    if (data != MAP_FAILED) {
      const int slot = claimSlot(static_cast<const char*>(data), qsizetype(size));
      if (slot >= 0) {
        mapped.m_data = static_cast<const char*>(data);
        mapped.m_size = qsizetype(size);
        mapped.m_slot = slot;
        if (g_afterMapHook) g_afterMapHook(path);
        return mapped;
      }
      ::munmap(data, size_t(size));
    }
  }
  // Not mapped: read it whole instead.
  mapped.m_copy = file.readAll();
  if (file.error() != QFileDevice::NoError)
    return Error(ErrorCode::FileUnreadable,
                 QStringLiteral("Cannot read %1 %2: %3.").arg(what, path, file.errorString()),
                 QStringLiteral("Check that the file is complete and that the disk works."));
  mapped.m_data = mapped.m_copy.constData();
  mapped.m_size = mapped.m_copy.size();
  return mapped;
}

MappedFile::MappedFile(MappedFile&& other) noexcept {
  *this = std::move(other);
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this == &other) return *this;
  release();
  m_path = std::move(other.m_path);
  m_what = std::move(other.m_what);
  m_copy = std::move(other.m_copy);
  m_slot = std::exchange(other.m_slot, -1);
  m_size = std::exchange(other.m_size, 0);
  m_data = m_slot >= 0 ? std::exchange(other.m_data, nullptr) : m_copy.constData();
  other.m_data = nullptr;
  return *this;
}

MappedFile::~MappedFile() {
  release();
}

void MappedFile::release() {
  if (m_slot >= 0) {
    Slot& slot = g_slots[m_slot];
    slot.begin.store(0, std::memory_order_release);
    slot.end.store(0, std::memory_order_release);
    ::munmap(const_cast<char*>(m_data), size_t(m_size));
    slot.taken.store(false, std::memory_order_release);
  }
  m_slot = -1;
  m_data = nullptr;
  m_size = 0;
  m_copy.clear();
}

QByteArrayView MappedFile::bytes() const {
  return QByteArrayView(m_data, m_size);
}

bool MappedFile::intact() const {
  return m_slot < 0 || !g_slots[m_slot].faulted.load(std::memory_order_acquire);
}

Error MappedFile::changedError() const {
  const QString what = m_what.isEmpty() ? m_what : m_what.left(1).toUpper() + m_what.mid(1);
  return Error(
      ErrorCode::FileUnreadable,
      QStringLiteral("%1 %2 was cut short by another program while Attune read it.").arg(what, m_path),
      QStringLiteral("Wait until the program that writes it has finished, then try again."));
}

void MappedFile::setAfterMapHookForTests(std::function<void(const QString&)> hook) {
  g_afterMapHook = std::move(hook);
}

}  // namespace attune
