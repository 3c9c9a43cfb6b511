#include "runtime/http/handler_support.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>

#include "runtime/http/admin_auth.hpp"

namespace troupe::http {

handler on_store(const std::shared_ptr<api_context>& context, store_work work) {
  return [context, work](const request& incoming, responder reply) {
    context->queries.post([context, incoming, reply, work](store::database* db, const std::string& problem) {
      if (db == nullptr) return (void)reply(error_response(503, "the store is unreachable: " + problem));
      reply(work(*db, incoming, context->now_ms()));
    });
  };
}

handler admin_only(const std::shared_ptr<api_context>& context, handler inner) {
  return [context, inner](const request& incoming, responder reply) {
    if (auto refused = refuse_unless_admin(incoming, context->admin_token())) return (void)reply(*refused);
    inner(incoming, reply);
  };
}

result<int> page_limit(const query_params& query, std::int64_t fallback, std::int64_t most) {
  auto limit = integer_param(query, "limit");
  if (!limit) return limit.failure();
  return static_cast<int>(std::clamp<std::int64_t>(limit->value_or(fallback), 1, most));
}

result<boost::json::object> object_body(const request& incoming) {
  boost::json::error_code problem;
  auto parsed = boost::json::parse(incoming.body, problem);
  if (problem) return error{"the body is not JSON: " + problem.message()};
  if (!parsed.is_object()) return error{"the body must be a JSON object"};
  return std::move(parsed.as_object());
}

status only_known_fields(const boost::json::object& body,
                         std::initializer_list<std::string_view> known) {
  for (const auto& field : body) {
    if (std::find(known.begin(), known.end(), field.key()) != known.end()) continue;
    std::string names;
    for (auto name : known) names += (names.empty() ? "" : ", ") + std::string(name);
    return error{"unknown field " + in_quotes(field.key()) + ": the fields are " + names};
  }
  return {};
}

}  // namespace troupe::http
