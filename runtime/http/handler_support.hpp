// What several endpoint families share: running a handler's database work
// on the query worker, refusing requests without the admin token, clamping
// a page size and reading a JSON body.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string_view>

#include "runtime/http/api_context.hpp"
#include "runtime/http/query.hpp"

namespace troupe::http {

// What a handler does with the database: answers `incoming` at `now_ms`.
using store_work = std::function<response(store::database&, const request& incoming, std::int64_t now_ms)>;

// Runs `work` on the query worker; 503 when the store is unreachable.
handler on_store(const std::shared_ptr<api_context>& context, store_work work);

// Runs `inner` only for a request with the admin token (401/403 otherwise).
handler admin_only(const std::shared_ptr<api_context>& context, handler inner);

// The `limit` query parameter clamped to [1, most] (`fallback` when absent):
// a client asking for too many gets the most; a malformed one is an error.
result<int> page_limit(const query_params& query, std::int64_t fallback, std::int64_t most);

// The request's body as a JSON object; an error saying why it is not one.
result<boost::json::object> object_body(const request& incoming);

// Fails naming the first field of `body` that is not one of `known` (a
// misspelt optional field would otherwise be ignored without a word).
status only_known_fields(const boost::json::object& body,
                         std::initializer_list<std::string_view> known);

}  // namespace troupe::http
