// GET / and GET /console/{file}: the console's page and assets, carried in
// the binary (runtime/http/console/, embedded at build time).
#include <string_view>

#include "runtime/embedded.hpp"
#include "runtime/http/api_context.hpp"

namespace troupe::http {
namespace {

constexpr std::string_view console_folder = "runtime/http/console/";

std::string content_type_of(std::string_view name) {
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

response console_file(std::string_view name) {
  for (const auto& file : embedded::troupe_console_files()) {
    if (file.path.substr(0, console_folder.size()) == console_folder && file.path.substr(console_folder.size()) == name) {
      auto reply = text_response(200, std::string(file.contents), content_type_of(name));
      // Nothing from elsewhere: the console is self-contained.
      reply.headers.emplace_back("Content-Security-Policy", "default-src 'self'; img-src 'self' data:");
      reply.headers.emplace_back("Cache-Control", "no-cache");
      return reply;
    }
  }
  return error_response(404, "no console file " + std::string(name));
}

}  // namespace

void add_console_routes(router& routes) {
  routes.add("GET", "/", [](const request&, responder reply) { reply(console_file("index.html")); });
  routes.add("GET", "/console/{file...}",
             [](const request& incoming, responder reply) { reply(console_file(incoming.path_params.at("file"))); });
}

}  // namespace troupe::http
