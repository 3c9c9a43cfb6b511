// The price of a call from its token usage and the configured price table
// (llm.prices: USD per million tokens, per model). Pure functions;
// thread-safe.
#pragma once

#include <map>
#include <string>

#include "config/config.hpp"
#include "runtime/llm/usage.hpp"

namespace troupe::llm {

using price_table = std::map<std::string, config::llm_price>;

// Returns true iff `model` has a price in `prices` (an exact name).
bool has_price(const price_table& prices, const std::string& model);

// prompt_tokens * input + completion_tokens * output, per million tokens;
// 0 for a model without a price.
double cost_usd(const price_table& prices, const std::string& model, const token_usage& usage);

}  // namespace troupe::llm
