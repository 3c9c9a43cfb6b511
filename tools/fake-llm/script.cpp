#include "script.hpp"

#include <boost/json/parse.hpp>
#include <cstdlib>

namespace fake_llm {
namespace {

std::optional<long> number_of(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::strtol(text.c_str(), nullptr, 10);
}

}  // namespace

std::optional<step> parse_step(const std::string& text) {
  step parsed;
  if (text == "ok") return parsed;
  if (text == "quota") {
    parsed.action = step::kind::quota;
    return parsed;
  }
  if (text == "malformed") {
    parsed.action = step::kind::malformed;
    return parsed;
  }
  if (text == "reset") {
    parsed.action = step::kind::reset;
    return parsed;
  }
  if (text.rfind("stall:", 0) == 0) {
    const auto ms = number_of(text.substr(6));
    if (!ms) return std::nullopt;
    parsed.action = step::kind::stall;
    parsed.stall_ms = *ms;
    return parsed;
  }
  const auto colon = text.find(':');
  const auto code = number_of(text.substr(0, colon));
  if (!code || *code < 100 || *code > 599) return std::nullopt;
  parsed.action = step::kind::status;
  parsed.status = static_cast<int>(*code);
  if (colon != std::string::npos) {
    const std::string option = text.substr(colon + 1);
    constexpr const char* prefix = "retry-after=";
    if (option.rfind(prefix, 0) != 0) return std::nullopt;
    parsed.retry_after = option.substr(std::string(prefix).size());
  }
  return parsed;
}

std::optional<std::vector<step>> parse_script(const std::string& json_list, std::string& why) {
  boost::system::error_code failure;
  const auto parsed = boost::json::parse(json_list, failure);
  if (failure || !parsed.is_array()) {
    why = "a script is a JSON list of strings";
    return std::nullopt;
  }
  std::vector<step> steps;
  for (const auto& item : parsed.as_array()) {
    const auto text = item.is_string() ? std::string(item.as_string()) : std::string();
    auto one = parse_step(text);
    if (!one) {
      why = "unknown script step '" + text + "'";
      return std::nullopt;
    }
    steps.push_back(*one);
  }
  return steps;
}

}  // namespace fake_llm
