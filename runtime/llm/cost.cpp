#include "runtime/llm/cost.hpp"

namespace troupe::llm {

bool has_price(const price_table& prices, const std::string& model) {
  return prices.find(model) != prices.end();
}

double cost_usd(const price_table& prices, const std::string& model, const token_usage& usage) {
  const auto found = prices.find(model);
  if (found == prices.end()) return 0.0;
  constexpr double tokens_per_unit = 1'000'000.0;
  return (static_cast<double>(usage.prompt_tokens) * found->second.input +
          static_cast<double>(usage.completion_tokens) * found->second.output) /
         tokens_per_unit;
}

}  // namespace troupe::llm
