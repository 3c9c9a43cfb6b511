// The fake LLM server's fault script: one step per API request, in order;
// when the script is empty every request is answered normally ("ok").
//
// Steps (strings): "ok"; a status code "500" (an OpenAI-style error body),
// optionally with "NNN:retry-after=S" to add a Retry-After header; "quota"
// (429 with error.code insufficient_quota); "stall:MS" (wait MS ms, then
// answer normally); "malformed" (200 with a body that is not JSON); "reset"
// (close the connection without an answer, with a TCP reset).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace fake_llm {

struct step {
  enum class kind { ok, status, quota, stall, malformed, reset };
  kind action = kind::ok;
  int status = 200;         // kind::status
  std::string retry_after;  // kind::status: the header's value, empty = none
  long stall_ms = 0;        // kind::stall
};

// The step `text` describes, or nullopt when it is not one of the above.
std::optional<step> parse_step(const std::string& text);

// Every step of a JSON list of strings, or nullopt (with `why`) when one is malformed.
std::optional<std::vector<step>> parse_script(const std::string& json_list, std::string& why);

}  // namespace fake_llm
