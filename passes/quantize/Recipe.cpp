//===- Recipe.cpp - per-layer quantization choices ------------------------===//
#include "passes/quantize/Recipe.h"

#include "passes/Passes.h"

#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace mlir::tern;

namespace {
/// Reads the fields of one choice object over `base`.
bool readChoice(const llvm::json::Object &object, LayerChoice &choice,
                MLIRContext *context, llvm::StringRef where,
                std::string &error) {
  for (const auto &[key, value] : object) {
    llvm::StringRef name = key;
    if (name == "match")
      continue;
    std::optional<llvm::StringRef> text = value.getAsString();
    if (!text) {
      error = (where + ": \"" + name + "\" must be a string").str();
      return false;
    }
    if (name == "method") {
      if (*text == "float") {
        choice.method.reset();
        continue;
      }
      choice.method = symbolizeQuantMethod(*text);
      if (!choice.method) {
        error = (where + ": unknown method \"" + *text +
                 "\" (absmean, twn, exact, binary, int2, int4, float)")
                    .str();
        return false;
      }
    } else if (name == "weights" || name == "activations") {
      if (name == "activations" && *text == "float") {
        choice.activations.reset();
        continue;
      }
      FailureOr<GranularityAttr> g = parseGranularityOption(context, *text);
      bool weights = name == "weights";
      bool valid = succeeded(g) &&
                   (weights ? g->getKind() != GranularityKind::PerToken
                            : g->getKind() == GranularityKind::PerToken ||
                                  g->getKind() == GranularityKind::PerTensor);
      if (!valid) {
        error = (where + ": \"" + name + "\" is \"" + *text + "\"; expected " +
                 (weights ? "per_tensor, per_channel or group=G"
                          : "per_token, per_tensor or float"))
                    .str();
        return false;
      }
      (weights ? choice.weights : choice.activations.emplace()) = *g;
    } else {
      error = (where + ": unknown key \"" + name +
               "\" (match, method, weights, activations)")
                  .str();
      return false;
    }
  }
  return true;
}
} // namespace

std::optional<QuantRecipe> QuantRecipe::parse(llvm::StringRef json,
                                              MLIRContext *context,
                                              std::string &error) {
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(json);
  if (!parsed) {
    error = "invalid JSON: " + llvm::toString(parsed.takeError());
    return std::nullopt;
  }
  const llvm::json::Object *root = parsed->getAsObject();
  if (!root) {
    error = "a recipe is a JSON object with \"default\" and \"layers\"";
    return std::nullopt;
  }
  for (const auto &entry : *root)
    if (entry.first != "default" && entry.first != "layers") {
      error = "unknown top-level key \"" + entry.first.str() +
              "\" (default, layers)";
      return std::nullopt;
    }
  LayerChoice defaults{
      QuantMethod::AbsMean,
      GranularityAttr::get(context, GranularityKind::PerTensor, 0),
      GranularityAttr::get(context, GranularityKind::PerToken, 0)};
  if (const llvm::json::Value *value = root->get("default")) {
    const llvm::json::Object *object = value->getAsObject();
    if (!object) {
      error = "\"default\" must be an object";
      return std::nullopt;
    }
    if (!readChoice(*object, defaults, context, "\"default\"", error))
      return std::nullopt;
  }
  QuantRecipe recipe(defaults);
  if (const llvm::json::Value *value = root->get("layers")) {
    const llvm::json::Array *layers = value->getAsArray();
    if (!layers) {
      error = "\"layers\" must be an array";
      return std::nullopt;
    }
    for (auto [index, layer] : llvm::enumerate(*layers)) {
      std::string where = "layers[" + std::to_string(index) + "]";
      const llvm::json::Object *object = layer.getAsObject();
      std::optional<llvm::StringRef> match =
          object ? object->getString("match") : std::nullopt;
      if (!match) {
        error = where + ": needs \"match\", a regex on layer names";
        return std::nullopt;
      }
      auto regex = std::make_shared<llvm::Regex>(*match);
      std::string regexError;
      if (!regex->isValid(regexError)) {
        error = where + ": \"match\": " + regexError;
        return std::nullopt;
      }
      Rule rule{regex, defaults};
      if (!readChoice(*object, rule.choice, context, where, error))
        return std::nullopt;
      recipe.rules.push_back(rule);
    }
  }
  return recipe;
}

bool QuantRecipe::keepFloat(llvm::StringRef regex, std::string &error) {
  auto compiled = std::make_shared<llvm::Regex>(regex);
  if (!compiled->isValid(error))
    return false;
  LayerChoice floatChoice = defaults;
  floatChoice.method.reset();
  floatChoice.activations.reset();
  rules.insert(rules.begin(), Rule{compiled, floatChoice});
  return true;
}

LayerChoice QuantRecipe::choose(llvm::StringRef layer) const {
  for (const Rule &rule : rules)
    if (rule.match->match(layer))
      return rule.choice;
  return defaults;
}
