#pragma once
// This process's resident memory (Linux: /proc/self/status), for a run's report and the benchmarks:
// the peak since the process started or since the last resetPeakResident(), and now.

#include <cstdint>
#include <optional>

#include <QString>

namespace attune {

// VmHWM: the most resident memory the process has held (since the last reset), in bytes; nullopt where
// the system does not say (not Linux, /proc not mounted).
std::optional<int64_t> peakResidentBytes();
// VmRSS: resident memory now, in bytes.
std::optional<int64_t> residentBytes();
// Starts the peak afresh from the memory resident now (Linux: writes 5 to /proc/self/clear_refs); false
// where the system does not allow it (the peak then counts from the process's start).
bool resetPeakResident();
// Gives the C library's freed but kept memory back to the system (glibc: malloc_trim). After a model's
// weights file was read and copied into the model, the copies' memory would otherwise stay with the
// process and add to the peak of the training that follows. No effect elsewhere.
void returnFreedMemoryToSystem();
// "1.4 GB", "820 MB": bytes in the units a user reads (powers of 1000, as file managers show them).
QString describeBytes(int64_t bytes);

}  // namespace attune
