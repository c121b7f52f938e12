#pragma once
// The precise reason a PyTorch checkpoint could not be read, carried in Error::detail by
// ZipArchive, RestrictedUnpickler and PyTorchCheckpointReader (for tests and tools; users read the
// Error's message and hint).

namespace attune {

enum class CheckpointError {
  None,
  FileUnreadable,
  NotACheckpoint,  // neither a zip archive nor a legacy torch.save stream
  BadZip,          // a damaged or truncated zip structure
  UnsupportedZip,  // compressed or encrypted entries, multi-disk archives
  BadPickle,       // a truncated or malformed pickle stream
  UnsafeGlobal,    // the pickle names a callable outside the allow-list
  LimitExceeded,   // the pickle exceeds a size, depth or count limit
  BadTensor,       // a tensor's storage, offset, shape or strides do not fit
  MissingStorage,  // a tensor refers to a storage the file does not hold
  BigEndian,       // written on a big-endian machine
  NoTensors,       // a valid file that holds no state_dict
};

}  // namespace attune
