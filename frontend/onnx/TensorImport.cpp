//===- TensorImport.cpp - ONNX element types and tensor data --------------===//
#include "frontend/onnx/TensorImport.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/onnx_pb.h"

#include <cstring>

using namespace mlir;
using namespace mlir::tern;

Type mlir::tern::getOnnxElementType(MLIRContext *context, int32_t onnxType) {
  Builder b(context);
  switch (onnxType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::UINT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::UINT32:
    return b.getIntegerType(32);
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::UINT64:
    return b.getIntegerType(64);
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  default:
    return nullptr;
  }
}

bool mlir::tern::isUnsignedOnnxType(int32_t onnxType) {
  return onnxType == onnx::TensorProto::UINT8 ||
         onnxType == onnx::TensorProto::UINT16 ||
         onnxType == onnx::TensorProto::UINT32 ||
         onnxType == onnx::TensorProto::UINT64 ||
         onnxType == onnx::TensorProto::BOOL;
}

bool mlir::tern::isFloatOnnxType(int32_t onnxType) {
  return onnxType == onnx::TensorProto::FLOAT ||
         onnxType == onnx::TensorProto::DOUBLE ||
         onnxType == onnx::TensorProto::FLOAT16 ||
         onnxType == onnx::TensorProto::BFLOAT16;
}

std::string mlir::tern::onnxTypeName(int32_t onnxType) {
  if (!onnx::TensorProto::DataType_IsValid(onnxType))
    return "data type " + std::to_string(onnxType);
  return onnx::TensorProto::DataType_Name(
      static_cast<onnx::TensorProto::DataType>(onnxType));
}

namespace {
/// Resolves a TensorProto's external data and reads its bytes.
class ExternalData {
public:
  ExternalData(const onnx::TensorProto &tensor, StringRef modelDir,
               function_ref<InFlightDiagnostic()> emitError)
      : tensor(tensor), modelDir(modelDir), emitError(emitError) {}

  /// Reads exactly `expectedBytes` bytes into `into`.
  LogicalResult read(size_t expectedBytes, std::vector<char> &into) {
    std::string location;
    uint64_t offset = 0;
    std::optional<uint64_t> length;
    for (const auto &entry : tensor.external_data()) {
      if (entry.key() == "location")
        location = entry.value();
      else if (entry.key() == "offset" || entry.key() == "length") {
        uint64_t value;
        if (StringRef(entry.value()).getAsInteger(10, value))
          return fail() << "external data " << entry.key() << " '"
                        << entry.value() << "' is not a number";
        (entry.key() == "offset" ? offset : length.emplace()) = value;
      }
    }
    if (location.empty())
      return fail() << "external data has no location";
    if (llvm::sys::path::is_absolute(location))
      return fail() << "external data location '" << location
                    << "' is an absolute path; it must be relative to the "
                       "model's folder";
    for (StringRef part : llvm::make_range(llvm::sys::path::begin(location),
                                           llvm::sys::path::end(location)))
      if (part == "..")
        return fail() << "external data location '" << location
                      << "' leaves the model's folder through '..'";

    SmallString<256> path(modelDir);
    llvm::sys::path::append(path, location);
    SmallString<256> realDir, realPath;
    if (llvm::sys::fs::real_path(modelDir.empty() ? "." : modelDir, realDir) ||
        llvm::sys::fs::real_path(path, realPath))
      return fail() << "external data file '" << path << "' does not exist";
    StringRef dirPrefix = realDir;
    if (!StringRef(realPath).starts_with(dirPrefix) ||
        (realPath.size() > dirPrefix.size() &&
         !llvm::sys::path::is_separator(realPath[dirPrefix.size()])))
      return fail() << "external data location '" << location
                    << "' resolves to '" << realPath
                    << "', outside the model's folder (a symlink?)";

    uint64_t fileSize;
    if (llvm::sys::fs::file_size(realPath, fileSize))
      return fail() << "cannot read external data file '" << path << "'";
    uint64_t wanted = length.value_or(expectedBytes);
    if (wanted != expectedBytes)
      return fail() << "external data length " << wanted << " does not match "
                    << expectedBytes << " bytes required by its dims and type";
    if (offset > fileSize || fileSize - offset < wanted)
      return fail() << "external data file '" << path << "' is truncated: "
                    << "needs bytes [" << offset << ", " << offset + wanted
                    << ") but has " << fileSize;
    auto buffer = llvm::MemoryBuffer::getFileSlice(realPath, wanted, offset,
                                                   /*IsVolatile=*/false);
    if (!buffer)
      return fail() << "cannot read external data file '" << path
                    << "': " << buffer.getError().message();
    into.assign((*buffer)->getBufferStart(), (*buffer)->getBufferEnd());
    return success();
  }

private:
  InFlightDiagnostic fail() {
    return emitError() << "tensor '" << tensor.name() << "': ";
  }
  const onnx::TensorProto &tensor;
  StringRef modelDir;
  function_ref<InFlightDiagnostic()> emitError;
};
} // namespace

/// Appends `value` to `bytes` as a little-endian integer of `width` bytes.
static void appendInteger(std::vector<char> &bytes, uint64_t value,
                          unsigned width) {
  for (unsigned i = 0; i < width; ++i)
    bytes.push_back(static_cast<char>(value >> (8 * i)));
}

/// Serializes a TensorProto's typed data fields into element storage bytes.
static bool readTypedFields(const onnx::TensorProto &t, unsigned width,
                            std::vector<char> &bytes) {
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    for (float f : t.float_data()) {
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      appendInteger(bytes, bits, 4);
    }
    return true;
  case onnx::TensorProto::DOUBLE:
    for (double d : t.double_data()) {
      uint64_t bits;
      std::memcpy(&bits, &d, 8);
      appendInteger(bytes, bits, 8);
    }
    return true;
  case onnx::TensorProto::INT64:
    for (int64_t v : t.int64_data())
      appendInteger(bytes, static_cast<uint64_t>(v), 8);
    return true;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    for (uint64_t v : t.uint64_data())
      appendInteger(bytes, v, width);
    return true;
  default: // int8/uint8/int16/uint16/int32/bool live in int32_data.
    for (int32_t v : t.int32_data())
      appendInteger(bytes, static_cast<uint32_t>(v), width);
    return true;
  }
}

ElementsAttr mlir::tern::importTensorData(
    MLIRContext *context, const onnx::TensorProto &tensor, StringRef modelDir,
    function_ref<InFlightDiagnostic()> emitError) {
  auto fail = [&]() {
    return emitError() << "tensor '" << tensor.name() << "': ";
  };
  Type elementType = getOnnxElementType(context, tensor.data_type());
  if (!elementType) {
    fail() << "element type " << onnxTypeName(tensor.data_type())
           << " is not supported";
    return nullptr;
  }
  SmallVector<int64_t> dims;
  uint64_t count = 1;
  for (int64_t dim : tensor.dims()) {
    if (dim < 0 || __builtin_mul_overflow(count, uint64_t(dim), &count) ||
        count > (uint64_t(1) << 40)) {
      fail() << "dims are negative or overflow";
      return nullptr;
    }
    dims.push_back(dim);
  }
  unsigned width =
      elementType.isInteger(1) ? 1 : elementType.getIntOrFloatBitWidth() / 8;
  size_t expectedBytes = count * width;
  std::vector<char> bytes;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    if (failed(ExternalData(tensor, modelDir, emitError)
                   .read(expectedBytes, bytes)))
      return nullptr;
  } else if (tensor.has_raw_data()) {
    bytes.assign(tensor.raw_data().begin(), tensor.raw_data().end());
  } else {
    readTypedFields(tensor, width, bytes);
  }
  if (bytes.size() != expectedBytes) {
    fail() << "holds " << bytes.size() << " bytes of data but its dims and "
           << onnxTypeName(tensor.data_type()) << " type need "
           << expectedBytes;
    return nullptr;
  }

  auto type = RankedTensorType::get(dims, elementType);
  if (elementType.isInteger(1)) {
    SmallVector<bool> values(bytes.size());
    for (size_t i = 0; i < bytes.size(); ++i)
      values[i] = bytes[i] != 0;
    return DenseElementsAttr::get(type, values);
  }
  if (static_cast<int64_t>(count) <= kInlineConstantLimit) {
    bool detectedSplat = false;
    if (count == 0 || !DenseElementsAttr::isValidRawBuffer(
                          type, ArrayRef<char>(bytes), detectedSplat))
      return DenseElementsAttr::get(type, ArrayRef<Attribute>{});
    return DenseElementsAttr::getFromRawBuffer(type, bytes);
  }
  std::string blobName = tensor.name().empty() ? "tensor" : tensor.name();
  return DenseResourceElementsAttr::get(
      type, blobName,
      HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, alignof(uint64_t)));
}

template <typename T>
static std::optional<SmallVector<T>> valuesOf(ElementsAttr attr) {
  SmallVector<T> out;
  Type elementType = attr.getElementType();
  auto appendBytes = [&](ArrayRef<char> raw, bool splat, int64_t count) {
    unsigned width = elementType.getIntOrFloatBitWidth() / 8;
    for (int64_t i = 0; i < count; ++i) {
      const char *at = raw.data() + (splat ? 0 : i * width);
      uint64_t bits = 0;
      std::memcpy(&bits, at, width);
      if constexpr (std::is_integral_v<T>) {
        int64_t value = llvm::SignExtend64(bits, width * 8);
        out.push_back(value);
      } else {
        if (width == 4) {
          float f;
          std::memcpy(&f, at, 4);
          out.push_back(f);
        } else {
          double d;
          std::memcpy(&d, at, 8);
          out.push_back(d);
        }
      }
    }
  };
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if constexpr (std::is_integral_v<T>) {
      if (!isa<IntegerType>(elementType))
        return std::nullopt;
      for (APInt v : dense.getValues<APInt>())
        out.push_back(elementType.isInteger(1) ? v.getZExtValue()
                                               : v.getSExtValue());
    } else {
      if (!isa<FloatType>(elementType))
        return std::nullopt;
      for (APFloat v : dense.getValues<APFloat>())
        out.push_back(v.convertToDouble());
    }
    return out;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    if (std::is_integral_v<T> != isa<IntegerType>(elementType))
      return std::nullopt;
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    appendBytes(blob->getData(), false, attr.getNumElements());
    return out;
  }
  return std::nullopt;
}

std::optional<SmallVector<int64_t>>
mlir::tern::getIntegerValues(ElementsAttr attr) {
  return valuesOf<int64_t>(attr);
}

std::optional<SmallVector<double>>
mlir::tern::getFloatValues(ElementsAttr attr) {
  return valuesOf<double>(attr);
}
