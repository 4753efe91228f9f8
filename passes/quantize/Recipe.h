//===- Recipe.h - per-layer quantization choices -----------------*- C++
//-*-===//
//
// A recipe says, per layer, how to quantize it. ternc reads one from
// `--quant-recipe FILE` (JSON, documented in docs/quant-recipe.md); without
// a file, ternc's flags make a recipe with just a default.
//
//   {
//     "default": {"method": "absmean", "weights": "per_tensor",
//                 "activations": "per_token"},
//     "layers": [
//       {"match": "^conv1$", "method": "float"},
//       {"match": "fc.*", "method": "int4", "weights": "per_channel"}
//     ]
//   }
//
// The first layer rule whose regex matches the layer (ONNX node) name wins;
// fields it omits come from "default". "method": "float" leaves the layer's
// weights in float, "activations": "float" its inputs.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_PASSES_QUANTIZE_RECIPE_H
#define TERN_PASSES_QUANTIZE_RECIPE_H

#include "dialect/Tern.h"

#include "llvm/Support/Regex.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::tern {

/// How one layer is quantized. An empty optional means "stays float".
struct LayerChoice {
  std::optional<QuantMethod> method;
  GranularityAttr weights;
  std::optional<GranularityAttr> activations;
};

class QuantRecipe {
public:
  /// A recipe with only a default.
  explicit QuantRecipe(LayerChoice defaults) : defaults(defaults) {}

  /// Parses recipe JSON; on failure returns nullopt and sets `error` to a
  /// message naming the offending entry.
  static std::optional<QuantRecipe>
  parse(llvm::StringRef json, MLIRContext *context, std::string &error);

  /// Adds a rule in front of the file's: layers matching `regex` stay float.
  bool keepFloat(llvm::StringRef regex, std::string &error);

  LayerChoice choose(llvm::StringRef layer) const;
  const LayerChoice &getDefault() const { return defaults; }

private:
  struct Rule {
    std::shared_ptr<llvm::Regex> match;
    LayerChoice choice;
  };
  LayerChoice defaults;
  std::vector<Rule> rules;
};

} // namespace mlir::tern

#endif
