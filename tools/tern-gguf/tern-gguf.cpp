//===- tern-gguf.cpp - Inspect a GGUF file as tern reads it ---------------===//
//
//   tern-gguf FILE                      header and metadata
//   tern-gguf FILE --tensors            one line per tensor: type, shape in
//                                       ggml order, elements, bytes, offset
//   tern-gguf FILE --dequantize=NAME -o OUT
//                                       the tensor as little-endian float32
//
// It shows what ternc's GGUF frontend sees, and lets tests compare tern's
// decoding with files and figures written by llama.cpp.
//
//===----------------------------------------------------------------------===//
#include "frontend/gguf/GgufFile.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include "tern/runtime.h"

using namespace llvm;
using namespace tern::gguf;

namespace {
cl::OptionCategory category("tern-gguf options");
cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                               cl::desc("<file.gguf>"), cl::cat(category));
cl::opt<bool> listTensors("tensors", cl::desc("List the tensors"),
                          cl::cat(category));
cl::opt<std::string>
    dequantizeName("dequantize", cl::value_desc("tensor"),
                   cl::desc("Write this tensor as float32 to -o"),
                   cl::cat(category));
cl::opt<std::string> outputPath("o", cl::value_desc("file"),
                                cl::desc("Output file for --dequantize"),
                                cl::cat(category));

/// Shown for arrays: this many elements, then the count.
constexpr size_t kArrayPreview = 4;

void printScalar(raw_ostream &os, const Value &v) {
  if (v.type == ValueType::String)
    os << '"' << v.s << '"';
  else if (v.type == ValueType::Bool)
    os << (v.u ? "true" : "false");
  else if (v.isFloat())
    os << format("%.9g", v.f);
  else if (v.type == ValueType::I8 || v.type == ValueType::I16 ||
           v.type == ValueType::I32 || v.type == ValueType::I64)
    os << v.i;
  else
    os << v.u;
}

void printSummary(const GgufFile &file) {
  raw_ostream &os = outs();
  os << formatv("# {0}: GGUF v{1}, {2} metadata entries, {3} tensors\n",
                sys::path::filename(file.path()), file.version(),
                file.metadata().size(), file.tensors().size());
  for (const auto &[key, value] : file.metadata()) {
    os << key << " ";
    if (value.type != ValueType::Array) {
      os << valueTypeName(value.type) << " ";
      printScalar(os, value);
    } else {
      os << formatv("{0}[{1}] [", valueTypeName(value.elementType),
                    value.elements.size());
      for (size_t i = 0; i < value.elements.size() && i < kArrayPreview; ++i) {
        os << (i ? ", " : "");
        printScalar(os, value.elements[i]);
      }
      os << (value.elements.size() > kArrayPreview ? ", ...]" : "]");
    }
    os << "\n";
  }
}

/// The columns of the tensor listings under ../shared/testdata/gguf-llamacpp.
void printTensors(const GgufFile &file) {
  raw_ostream &os = outs();
  os << formatv("# {0}: {1} tensors, general.alignment {2}, tensor data "
                "section starts at byte {3}\n",
                sys::path::filename(file.path()), file.tensors().size(),
                file.alignmentGiven()
                    ? formatv("{0}", file.alignment()).str()
                    : formatv("absent (default {0})", file.alignment()).str(),
                file.dataOffset());
  os << "# idx name                       type   ne (ggml order)    "
        "n_elements   n_bytes file_offset\n";
  for (auto [index, tensor] : llvm::enumerate(file.tensors())) {
    std::string shape = "[";
    for (auto [d, n] : llvm::enumerate(tensor.ne))
      shape += (d ? "," : "") + std::to_string(n);
    shape += "]";
    os << formatv("{0,5} {1,-26} {2,-6} {3,-18} {4,11} {5,9} {6,11}\n", index,
                  tensor.name, tensor.type.name, shape, tensor.elements,
                  tensor.bytes, tensor.fileOffset);
  }
}

int fail(const Twine &message) {
  WithColor::error(errs(), "tern-gguf") << message << "\n";
  return 1;
}

int writeDequantized(const GgufFile &file) {
  const TensorInfo *tensor = file.findTensor(dequantizeName);
  if (!tensor)
    return fail(file.path() + ": no tensor named '" + dequantizeName + "'");
  if (outputPath.empty())
    return fail("--dequantize needs -o FILE");
  Expected<std::vector<float>> values = file.dequantize(*tensor);
  if (!values) {
    errs() << toString(values.takeError()) << "\n";
    return 1;
  }
  std::error_code ec;
  ToolOutputFile out(outputPath, ec, sys::fs::OF_None);
  if (ec)
    return fail("cannot write '" + outputPath + "': " + ec.message());
  out.os().write(reinterpret_cast<const char *>(values->data()),
                 values->size() * sizeof(float));
  out.os().flush();
  if (out.os().has_error())
    return fail("cannot write '" + outputPath + "'");
  out.keep();
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::SetVersionPrinter([](raw_ostream &os) {
    os << "tern-gguf " << TERN_RUNTIME_VERSION_STRING
       << " (tern: ternary and low-bit neural network compiler)\n";
  });
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "tern-gguf: shows a GGUF file's metadata and tensors as tern reads "
      "them, and decodes tensors to float32\n");
  Expected<std::unique_ptr<GgufFile>> file = GgufFile::open(inputPath);
  if (!file) {
    errs() << toString(file.takeError()) << "\n";
    return 1;
  }
  if (!dequantizeName.empty())
    return writeDequantized(**file);
  if (listTensors)
    printTensors(**file);
  else
    printSummary(**file);
  return 0;
}
