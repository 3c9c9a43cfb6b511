#include "runtime/http/router.hpp"

#include <algorithm>
#include <stdexcept>

#include "runtime/http/query.hpp"

namespace troupe::http {

namespace {

// The segments of a path after its leading '/': "/a/b" -> {"a", "b"}, "/" -> {}.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.empty() || path == "/") return segments;
  path.remove_prefix(path.front() == '/' ? 1 : 0);
  while (true) {
    const std::size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return segments;
    path.remove_prefix(slash + 1);
  }
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::string join_methods(const std::vector<std::string>& methods) {
  std::string joined;
  for (const auto& method : methods) joined += (joined.empty() ? "" : ", ") + method;
  return joined;
}

}  // namespace

std::vector<router::segment> router::parse_pattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + std::string(pattern));
  }
  std::vector<segment> segments;
  for (std::string_view text : split_path(pattern)) {
    const bool braced = text.size() > 2 && text.front() == '{' && text.back() == '}';
    if (text.empty() || (!braced && text.find_first_of("{}") != std::string_view::npos) ||
        (!segments.empty() && segments.back().kind == segment_kind::rest)) {
      throw std::invalid_argument("malformed route pattern: " + std::string(pattern));
    }
    if (!braced) {
      segments.push_back({segment_kind::literal, std::string(text)});
      continue;
    }
    std::string_view name = text.substr(1, text.size() - 2);
    const bool rest = name.size() > 3 && name.substr(name.size() - 3) == "...";
    if (rest) name.remove_suffix(3);
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)) {
      throw std::invalid_argument("malformed route parameter in " + std::string(pattern));
    }
    segments.push_back({rest ? segment_kind::rest : segment_kind::parameter, std::string(name)});
  }
  return segments;
}

void router::add(std::string method, std::string_view pattern, handler target) {
  route added{std::move(method), std::string(pattern), parse_pattern(pattern), std::move(target)};
  for (const auto& existing : routes_) {
    if (existing.method == added.method && existing.pattern == added.pattern) {
      throw std::invalid_argument("route added twice: " + added.method + " " + added.pattern);
    }
  }
  routes_.push_back(std::move(added));
}

std::optional<std::map<std::string, std::string>> router::bind(
    const route& candidate, const std::vector<std::string_view>& raw_segments) {
  const auto& pattern = candidate.segments;
  const bool ends_with_rest = !pattern.empty() && pattern.back().kind == segment_kind::rest;
  if (ends_with_rest ? raw_segments.size() < pattern.size()
                     : raw_segments.size() != pattern.size()) {
    return std::nullopt;
  }
  std::map<std::string, std::string> params;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const segment& expected = pattern[i];
    auto decoded = percent_decode(raw_segments[i]);
    if (!decoded || decoded->empty()) return std::nullopt;
    if (expected.kind == segment_kind::literal) {
      if (*decoded != expected.text) return std::nullopt;
    } else if (expected.kind == segment_kind::parameter) {
      params[expected.text] = std::move(decoded).value();
    } else {
      std::string joined = std::move(decoded).value();
      for (std::size_t rest = i + 1; rest < raw_segments.size(); ++rest) {
        auto more = percent_decode(raw_segments[rest]);
        if (!more || more->empty()) return std::nullopt;
        joined += "/" + *more;
      }
      params[expected.text] = std::move(joined);
    }
  }
  return params;
}

bool router::more_specific(const route& left, const route& right) {
  const std::size_t shared = std::min(left.segments.size(), right.segments.size());
  for (std::size_t i = 0; i < shared; ++i) {
    if (left.segments[i].kind != right.segments[i].kind) {
      return left.segments[i].kind < right.segments[i].kind;
    }
  }
  return left.segments.size() > right.segments.size();
}

route_match router::match(std::string_view method, std::string_view raw_path) const {
  const auto raw_segments = split_path(raw_path);
  route_match best;
  const route* best_route = nullptr;
  for (const auto& candidate : routes_) {
    auto params = bind(candidate, raw_segments);
    if (!params) continue;
    if (candidate.method != method) {
      best.allowed_methods.push_back(candidate.method);
    } else if (best_route == nullptr || more_specific(candidate, *best_route)) {
      best_route = &candidate;
      best.params = std::move(*params);
    }
  }
  if (best_route != nullptr) {
    best.kind = route_match::outcome::found;
    best.target = &best_route->target;
    best.allowed_methods.clear();
    return best;
  }
  std::sort(best.allowed_methods.begin(), best.allowed_methods.end());
  best.allowed_methods.erase(std::unique(best.allowed_methods.begin(), best.allowed_methods.end()),
                             best.allowed_methods.end());
  best.kind = best.allowed_methods.empty() ? route_match::outcome::not_found
                                           : route_match::outcome::method_not_allowed;
  return best;
}

void router::dispatch(request& incoming, const responder& reply) const {
  route_match found = match(incoming.method, path_of(incoming.target));
  switch (found.kind) {
    case route_match::outcome::found:
      incoming.path_params = std::move(found.params);
      (*found.target)(incoming, reply);
      return;
    case route_match::outcome::method_not_allowed: {
      response refusal =
          error_response(405, "method " + incoming.method + " is not allowed for " + incoming.path +
                                  " (allowed: " + join_methods(found.allowed_methods) + ")");
      refusal.headers.emplace_back("Allow", join_methods(found.allowed_methods));
      reply(std::move(refusal));
      return;
    }
    case route_match::outcome::not_found:
      reply(error_response(404, "no such endpoint: " + incoming.path));
      return;
  }
}

}  // namespace troupe::http
