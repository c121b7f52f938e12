#pragma once
// Portable random helpers. The standard distributions (uniform_int_distribution, std::shuffle, ...)
// are implementation-defined, so the same seed gives different splits, orders and crops with
// libstdc++, libc++ and MSVC. These helpers use only the raw output of std::mt19937_64, whose
// sequence the standard fixes, so a seed means the same thing on every platform.

#include <cstdint>
#include <initializer_list>
#include <random>
#include <utility>
#include <vector>

namespace attune::detail {

// SplitMix64 finaliser: spreads nearby inputs (seed, seed + 1, ...) over the whole 64-bit range.
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// One seed from several parts, e.g. (seed, epoch, sample index); the order of the parts matters.
inline uint64_t combineSeed(std::initializer_list<uint64_t> parts) {
  uint64_t h = 0x243f6a8885a308d3ULL;
  for (uint64_t part : parts) h = mix64(h ^ mix64(part));
  return h;
}

// Uniform in [0, bound) without modulo bias (rejection of the short last bucket).
inline uint64_t uniformBelow(std::mt19937_64& rng, uint64_t bound) {
  if (bound <= 1) return 0;
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t x = rng();
  while (x >= limit) x = rng();
  return x % bound;
}

// Uniform in [0, 1) with 53 random bits.
inline double uniformUnit(std::mt19937_64& rng) {
  return double(rng() >> 11) * 0x1.0p-53;
}

inline double uniformReal(std::mt19937_64& rng, double low, double high) {
  return low + (high - low) * uniformUnit(rng);
}

template <typename T>
void fisherYatesShuffle(std::vector<T>& items, std::mt19937_64& rng) {
  for (size_t i = items.size(); i > 1; --i) {
    const size_t j = size_t(uniformBelow(rng, i));
    std::swap(items[i - 1], items[j]);
  }
}

}  // namespace attune::detail
