#pragma once
// An allocator for the state's large arrays (the key index and the entries,
// read at random, one cache line per event): from 2 MiB up, the memory is
// 2 MiB-aligned and advised to the kernel as transparent huge pages
// (MADV_HUGEPAGE), so that those lookups do not miss the TLB as well. Only
// these arrays: the whole heap on huge pages cost 28 % more resident memory.
// A kernel without THP ignores the advice.
#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace kappa::processor {

template <typename T>
class HugePageAllocator {
 public:
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return static_cast<T*>(::operator new(bytes));
    void* memory = ::operator new(bytes, std::align_val_t{kHugePage});
    ::madvise(memory, bytes / kHugePage * kHugePage, MADV_HUGEPAGE);  // whole huge pages only
    return static_cast<T*>(memory);
  }
  void deallocate(T* memory, std::size_t n) noexcept {
    if (n * sizeof(T) < kHugePage) {
      ::operator delete(memory);
    } else {
      ::operator delete(memory, std::align_val_t{kHugePage});
    }
  }

  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
  template <typename U>
  bool operator!=(const HugePageAllocator<U>&) const noexcept {
    return false;
  }
};

}  // namespace kappa::processor
