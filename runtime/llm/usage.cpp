#include "runtime/llm/usage.hpp"

namespace troupe::llm {

const char* name_of(call_kind kind) { return kind == call_kind::chat ? "chat" : "embedding"; }

const char* name_of(call_status status) {
  switch (status) {
    case call_status::ok:
      return "ok";
    case call_status::failed:
      return "failed";
    case call_status::refused:
      return "refused";
  }
  return "unknown";
}

}  // namespace troupe::llm
