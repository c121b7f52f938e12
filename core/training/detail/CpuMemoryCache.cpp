// LibTorch's CPU allocator with a cache of freed large blocks (core/training/Runtime.h).
//
// Why: a training step frees and allocates the same activation and gradient buffers every step. The
// C library's malloc returns large blocks to the system (munmap, heap trimming; more eagerly in the
// arenas of threads other than the main one, where Attune trains), and the next step touches fresh
// pages again: every page a page fault, which in a virtual machine costs far more than the arithmetic
// on it. Measured on a 2-vCPU virtual machine, MobileNetV2's training step spent about a third of its
// time in the kernel doing exactly that. Keeping the freed blocks and handing them out again makes the
// steps after the first one fault-free.
//
// Blocks of at least kSmallest bytes are cached; smaller ones go to the allocator LibTorch had before
// (malloc serves those from its own bins without system calls). A request takes the smallest cached
// block that fits and is at most an eighth larger; the cache keeps at most a bounded number of bytes
// and is emptied when a run ends (releaseCachedCpuMemory), so memory held between runs is returned.
#include "core/training/Runtime.h"

#include <torch/torch.h>

#include <c10/core/CPUAllocator.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include <unistd.h>

namespace attune {
namespace {

constexpr size_t kSmallest = size_t(64) << 10;  // below: the previous allocator
constexpr size_t kAlignment = 64;               // as LibTorch's own CPU allocator aligns

// How many freed bytes the cache may keep: an eighth of the physical memory, at most 2 GiB.
size_t defaultCacheLimit() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long pageSize = ::sysconf(_SC_PAGESIZE);
  const size_t physical = pages > 0 && pageSize > 0 ? size_t(pages) * size_t(pageSize) : (size_t(8) << 30);
  return std::min(physical / 8, size_t(2) << 30);
}

class CachingCpuAllocator final : public c10::Allocator {
 public:
  explicit CachingCpuAllocator(c10::Allocator* previous)
      : m_previous(previous), m_limit(defaultCacheLimit()) {}

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
  c10::DataPtr allocate(size_t bytes) override {
    return take(bytes);
  }
  void copy_data(void* dest, const void* src, std::size_t count) const override {
    default_copy_data(dest, src, count);
  }
#else
  c10::DataPtr allocate(size_t bytes) const override {
    return const_cast<CachingCpuAllocator*>(this)->take(bytes);
  }
#endif

  // For raw_allocate / raw_deallocate (oneDNN's scratch memory): the context is the block itself.
  c10::DeleterFnPtr raw_deleter() const override {
    return &CachingCpuAllocator::giveBack;
  }

  void setEnabled(bool on) {
    std::lock_guard lock(m_mutex);
    m_enabled = on;
    if (!on) releaseLocked(0);
  }

  void release() {
    std::lock_guard lock(m_mutex);
    releaseLocked(0);
  }

  size_t setLimit(size_t bytes) {
    std::lock_guard lock(m_mutex);
    const size_t previous = m_limit;
    m_limit = bytes;
    releaseLocked(m_limit);
    return previous;
  }

  size_t cachedBytes() {
    std::lock_guard lock(m_mutex);
    return m_cachedBytes;
  }

 private:
  c10::DataPtr take(size_t bytes) {
    if (bytes < kSmallest || !m_enabled) return m_previous->allocate(bytes);
    void* block = nullptr;
    {
      std::lock_guard lock(m_mutex);
      auto it = m_free.lower_bound(bytes);
      if (it != m_free.end() && it->first - bytes <= bytes / 8) {
        block = it->second;
        m_live.emplace(block, it->first);
        m_cachedBytes -= it->first;
        m_free.erase(it);
      }
    }
    if (block == nullptr) block = fresh(bytes);
    return {block, block, &CachingCpuAllocator::giveBack, c10::Device(c10::DeviceType::CPU)};
  }

  void* fresh(size_t bytes) {
    void* block = nullptr;
    if (::posix_memalign(&block, kAlignment, bytes) != 0) {
      // Out of memory: what the cache holds goes back to the system first, then one more try.
      release();
      block = nullptr;
      if (::posix_memalign(&block, kAlignment, bytes) != 0)
        TORCH_CHECK(false, "not enough memory: ", bytes, " bytes could not be allocated");
    }
    std::lock_guard lock(m_mutex);
    m_live.emplace(block, bytes);
    return block;
  }

  static void giveBack(void* block);

  void keep(void* block) {
    std::unique_lock lock(m_mutex);
    const auto it = m_live.find(block);
    if (it == m_live.end()) {
      // A small block of the previous allocator, given back through raw_deleter().
      lock.unlock();
      // raw_allocate hands out only blocks whose allocator has a raw deleter: the previous one has.
      if (const c10::DeleterFnPtr deleter = m_previous->raw_deleter()) deleter(block);
      return;
    }
    const size_t bytes = it->second;
    m_live.erase(it);
    if (!m_enabled || bytes > m_limit) {
      std::free(block);
      return;
    }
    m_free.emplace(bytes, block);
    m_cachedBytes += bytes;
    if (m_cachedBytes > m_limit) releaseLocked(m_limit);
  }

  // Frees cached blocks, the largest first, until at most `keepBytes` stay cached.
  void releaseLocked(size_t keepBytes) {
    while (m_cachedBytes > keepBytes && !m_free.empty()) {
      auto largest = std::prev(m_free.end());
      m_cachedBytes -= largest->first;
      std::free(largest->second);
      m_free.erase(largest);
    }
  }

  c10::Allocator* m_previous;
  size_t m_limit;  // guarded by m_mutex
  std::mutex m_mutex;
  std::atomic<bool> m_enabled = true;
  size_t m_cachedBytes = 0;
  std::multimap<size_t, void*> m_free;       // size -> cached block
  std::unordered_map<void*, size_t> m_live;  // block handed out -> its size
};

// The one instance; never destroyed, because tensors holding its blocks may outlive every other object.
std::atomic<CachingCpuAllocator*> g_allocator = nullptr;

void CachingCpuAllocator::giveBack(void* block) {
  g_allocator.load()->keep(block);
}

CachingCpuAllocator& installed() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto* allocator = new CachingCpuAllocator(c10::GetCPUAllocator());
    // ATTUNE_CPU_MEMORY_CACHE=off turns the cache off (for comparing, or to rule it out).
    const char* setting = std::getenv("ATTUNE_CPU_MEMORY_CACHE");
    if (setting != nullptr && std::string_view(setting) == "off") allocator->setEnabled(false);
    g_allocator = allocator;
    c10::SetCPUAllocator(allocator, /*priority=*/100);
  });
  return *g_allocator.load();
}

}  // namespace

void useCpuMemoryCache() {
  installed();
}

void setCpuMemoryCacheEnabled(bool enabled) {
  installed().setEnabled(enabled);
}

void releaseCachedCpuMemory() {
  if (auto* allocator = g_allocator.load()) allocator->release();
}

size_t setCpuMemoryCacheLimit(size_t bytes) {
  return installed().setLimit(bytes);
}

size_t cachedCpuMemoryBytes() {
  auto* allocator = g_allocator.load();
  return allocator != nullptr ? allocator->cachedBytes() : 0;
}

}  // namespace attune
