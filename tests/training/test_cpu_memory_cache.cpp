// LibTorch's CPU allocator with Attune's cache of freed large blocks (core/training/Runtime.h,
// detail/CpuMemoryCache.cpp): a freed block is handed out again for the same or a slightly smaller
// size, small blocks are not kept, the cache keeps at most its limit (dropping the largest blocks
// first), gives everything back when asked, can be turned off, serves raw allocations, and stays
// consistent under several threads allocating at once.

#include "core/training/Runtime.h"

#include <torch/torch.h>

#include <c10/core/CPUAllocator.h>

#include <QTest>

#include <atomic>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

using namespace attune;

namespace {

constexpr int64_t kMiB = int64_t(1) << 20;

// A float tensor of `bytes` bytes (a multiple of 4).
torch::Tensor block(int64_t bytes) {
  return torch::empty({bytes / 4}, torch::kFloat32);
}

}  // namespace

class TestCpuMemoryCache : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void init() {
    useCpuMemoryCache();
    setCpuMemoryCacheEnabled(true);
    m_limit = setCpuMemoryCacheLimit(size_t(512) * size_t(kMiB));
    releaseCachedCpuMemory();
  }
  void cleanup() {
    setCpuMemoryCacheLimit(m_limit);
    releaseCachedCpuMemory();
  }

  void aFreedBlockIsHandedOutAgain() {
    auto first = block(4 * kMiB);
    const void* address = first.data_ptr();
    first = torch::Tensor();
    QCOMPARE(cachedCpuMemoryBytes(), size_t(4 * kMiB));
    auto second = block(4 * kMiB);
    QCOMPARE(second.data_ptr(), address);
    QCOMPARE(cachedCpuMemoryBytes(), size_t(0));
  }

  void aSlightlySmallerRequestReusesAMuchSmallerOneDoesNot() {
    auto big = block(8 * kMiB);
    const void* address = big.data_ptr();
    big = torch::Tensor();
    // Half the size: the block would waste half of itself, so a fresh one is made.
    auto half = block(4 * kMiB);
    QVERIFY(half.data_ptr() != address);
    QCOMPARE(cachedCpuMemoryBytes(), size_t(8 * kMiB));
    // Within an eighth: the cached block serves it.
    auto close = block(8 * kMiB - kMiB / 2);
    QCOMPARE(close.data_ptr(), address);
    QCOMPARE(cachedCpuMemoryBytes(), size_t(0));
  }

  void smallBlocksAreNotKept() {
    auto small = block(16 << 10);
    small = torch::Tensor();
    QCOMPARE(cachedCpuMemoryBytes(), size_t(0));
  }

  void aReusedBlockStillGivesCorrectValues() {
    auto dirty = torch::full({kMiB}, 7.0f);
    const void* address = dirty.data_ptr();
    dirty = torch::Tensor();
    auto zeros = torch::zeros({kMiB});
    QCOMPARE(zeros.data_ptr(), address);
    QCOMPARE(zeros.abs().max().item<float>(), 0.0f);
    // A computation whose temporaries come from the cache gives the same answer as before.
    torch::manual_seed(3);
    const auto a = torch::randn({512, 512});
    const auto b = torch::randn({512, 512});
    const auto expected = torch::matmul(a, b).sum().item<double>();
    for (int i = 0; i < 3; ++i) QCOMPARE(torch::matmul(a, b).sum().item<double>(), expected);
  }

  void theLimitDropsTheLargestBlocksFirst() {
    setCpuMemoryCacheLimit(size_t(6 * kMiB));
    auto large = block(4 * kMiB);
    auto medium = block(3 * kMiB);
    const void* mediumAddress = medium.data_ptr();
    large = torch::Tensor();
    QCOMPARE(cachedCpuMemoryBytes(), size_t(4 * kMiB));
    medium = torch::Tensor();  // 7 MiB would be over the limit: the 4 MiB block goes
    QCOMPARE(cachedCpuMemoryBytes(), size_t(3 * kMiB));
    QCOMPARE(block(3 * kMiB).data_ptr(), mediumAddress);  // and back in the cache
    // A block larger than the whole limit is never kept.
    auto huge = block(8 * kMiB);
    huge = torch::Tensor();
    QCOMPARE(cachedCpuMemoryBytes(), size_t(3 * kMiB));
  }

  void releaseGivesEverythingBack() {
    std::vector<torch::Tensor> tensors;
    for (int i = 1; i <= 4; ++i) tensors.push_back(block(i * kMiB));
    tensors.clear();
    QCOMPARE(cachedCpuMemoryBytes(), size_t(10 * kMiB));
    releaseCachedCpuMemory();
    QCOMPARE(cachedCpuMemoryBytes(), size_t(0));
  }

  void turnedOffItKeepsNothing() {
    auto kept = block(2 * kMiB);
    kept = torch::Tensor();
    QCOMPARE(cachedCpuMemoryBytes(), size_t(2 * kMiB));
    setCpuMemoryCacheEnabled(false);
    QCOMPARE(cachedCpuMemoryBytes(), size_t(0));  // turning off frees what was kept
    auto passed = block(2 * kMiB);
    passed = torch::Tensor();
    QCOMPARE(cachedCpuMemoryBytes(), size_t(0));
    // A block handed out while on and freed while off is freed, not kept.
    setCpuMemoryCacheEnabled(true);
    auto straddling = block(2 * kMiB);
    setCpuMemoryCacheEnabled(false);
    straddling = torch::Tensor();
    QCOMPARE(cachedCpuMemoryBytes(), size_t(0));
  }

  void rawAllocationsRoundTrip() {
    c10::Allocator* allocator = c10::GetCPUAllocator();
    void* large = allocator->raw_allocate(size_t(kMiB));
    void* small = allocator->raw_allocate(100);
    QVERIFY(large != nullptr);
    QVERIFY(small != nullptr);
    std::memset(large, 1, size_t(kMiB));
    std::memset(small, 1, 100);
    allocator->raw_deallocate(small);
    allocator->raw_deallocate(large);
    QCOMPARE(cachedCpuMemoryBytes(), size_t(kMiB));
  }

  void threadsAllocatingAtOnceStayConsistent() {
    std::atomic<int> shared{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([t, &shared] {
        std::mt19937 random(uint32_t(t + 1));
        std::uniform_int_distribution<int64_t> size(1, 64);
        std::vector<torch::Tensor> held;
        for (int i = 0; i < 300; ++i) {
          auto tensor = torch::full({size(random) * (kMiB / 64)}, float(t));
          held.push_back(tensor);
          if (held.size() > 5) {
            // What this thread wrote is still there: no block was handed to two tensors.
            if (held.front().min().item<float>() != float(t) || held.front().max().item<float>() != float(t))
              ++shared;
            held.erase(held.begin());
          }
        }
      });
    for (auto& thread : threads) thread.join();
    QCOMPARE(shared.load(), 0);
    QVERIFY(cachedCpuMemoryBytes() <= size_t(512) * size_t(kMiB));
    releaseCachedCpuMemory();
    QCOMPARE(cachedCpuMemoryBytes(), size_t(0));
  }

 private:
  size_t m_limit = 0;
};

QTEST_GUILESS_MAIN(TestCpuMemoryCache)
#include "test_cpu_memory_cache.moc"
