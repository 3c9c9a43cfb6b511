#include "runtime/http/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <optional>

namespace troupe::http {
namespace {

namespace net = boost::asio;
namespace wire = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

// The actor tree of 10,000 accounts is a few MiB; this leaves ample room
// while still refusing a runaway body.
constexpr std::uint64_t body_limit = 256 * 1024 * 1024;

result<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || failure != std::errc() || end != text.data() + text.size() || value == 0 ||
      value > 65535) {
    return error{"bad port '" + std::string(text) + "'"};
  }
  return static_cast<std::uint16_t>(value);
}

// Splits "HOST[:PORT]" or "[V6][:PORT]".
result<base_url> parse_authority(std::string_view authority) {
  base_url parsed;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return error{"unclosed '[' in the host"};
    parsed.host = std::string(authority.substr(1, close - 1));
    const auto rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return error{"unexpected text after ']'"};
    if (!rest.empty()) port_text = rest.substr(1);
    if (!rest.empty() && port_text.empty()) return error{"empty port"};
  } else {
    const auto colon = authority.find(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return error{"empty port"};
    }
  }
  if (parsed.host.empty()) return error{"no host"};
  if (!port_text.empty()) {
    auto port = parse_port(port_text);
    if (!port) return port.failure();
    parsed.port = *port;
  }
  return parsed;
}

// The Host header: the port only when not the default, IPv6 in brackets.
std::string host_header(const base_url& base) {
  const bool is_v6 = base.host.find(':') != std::string::npos;
  std::string host = is_v6 ? "[" + base.host + "]" : base.host;
  if (base.port != 80) host += ":" + std::to_string(base.port);
  return host;
}

// A request body and its media type.
struct payload {
  std::string body;
  std::string content_type;
};

// One request driven to its end on a private io_context. The deadline timer
// cancels whatever step is pending, so every step shares one timeout.
class exchange {
 public:
  // A GET without `sent`, a POST of `sent` with it.
  exchange(const base_url& base, std::string_view target, std::chrono::milliseconds timeout,
           std::optional<payload> sent = std::nullopt)
      : base_(base), timeout_(timeout), resolver_(io_), socket_(io_), deadline_(io_) {
    request_.method(sent ? wire::verb::post : wire::verb::get);
    request_.target(base.prefix + std::string(target));
    request_.version(11);
    request_.set(wire::field::host, host_header(base));
    request_.set(wire::field::user_agent, "troupe/" TROUPE_VERSION);
    request_.set(wire::field::accept, "application/json");
    request_.keep_alive(false);
    if (sent) {
      request_.set(wire::field::content_type, sent->content_type);
      request_.body() = std::move(sent->body);
      request_.prepare_payload();
    }
    parser_.body_limit(body_limit);
  }

  result<response> run() {
    deadline_.expires_after(timeout_);
    deadline_.async_wait([this](error_code failure) {
      if (failure || finished_) return;  // the exchange ended first
      timed_out_ = true;
      resolver_.cancel();
      error_code ignored;
      socket_.close(ignored);
    });
    resolver_.async_resolve(base_.host, std::to_string(base_.port),
                            [this](error_code failure, const tcp::resolver::results_type& found) {
                              if (failure) return finish("cannot resolve " + base_.host, failure);
                              connect(found);
                            });
    io_.run();
    if (timed_out_) return error{"no response within " + std::to_string(timeout_.count()) + " ms"};
    if (failure_) return *failure_;
    const auto& answer = parser_.get();
    response received;
    received.status = answer.result_int();
    received.content_type = std::string(answer[wire::field::content_type]);
    received.body = answer.body();
    return received;
  }

 private:
  void connect(const tcp::resolver::results_type& found) {
    net::async_connect(socket_, found, [this](error_code failure, const tcp::endpoint&) {
      if (failure) return finish("", failure);
      wire::async_write(socket_, request_, [this](error_code failure, std::size_t) {
        if (failure) return finish("sending the request", failure);
        wire::async_read(socket_, buffer_, parser_, [this](error_code failure, std::size_t) {
          finish("reading the response", failure);
        });
      });
    });
  }

  // Ends the exchange: records why it failed, if it did, and stops the timer.
  void finish(const std::string& step, error_code failure) {
    finished_ = true;
    if (failure && !timed_out_) {
      failure_ = error{step.empty() ? failure.message() : step + ": " + failure.message()};
    }
    deadline_.cancel();
  }

  const base_url& base_;
  const std::chrono::milliseconds timeout_;
  net::io_context io_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  net::steady_timer deadline_;
  wire::request<wire::string_body> request_;
  boost::beast::flat_buffer buffer_;
  wire::response_parser<wire::string_body> parser_;
  bool finished_ = false;
  bool timed_out_ = false;
  std::optional<error> failure_;
};

}  // namespace

result<base_url> parse_base_url(std::string_view url) {
  const std::string quoted = "'" + std::string(url) + "': ";
  constexpr std::string_view http_scheme = "http://";
  const auto scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) {
    if (url.substr(0, scheme_end + 3) != http_scheme) {
      return error{quoted + "only http:// URLs are supported"};
    }
    url.remove_prefix(http_scheme.size());
  }
  const auto path_start = url.find('/');
  const auto authority = url.substr(0, path_start);
  auto parsed = parse_authority(authority);
  if (!parsed) return error{quoted + parsed.failure().message};
  auto prefix = path_start == std::string_view::npos ? std::string_view() : url.substr(path_start);
  if (prefix.find_first_of("?#") != std::string_view::npos) {
    return error{quoted + "a base URL has no query or fragment"};
  }
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  parsed->prefix = std::string(prefix);
  return parsed;
}

result<response> get(const base_url& base, std::string_view target,
                     std::chrono::milliseconds timeout) {
  return exchange(base, target, timeout).run();
}

result<response> post(const base_url& base, std::string_view target, std::string body,
                      std::string_view content_type, std::chrono::milliseconds timeout) {
  const std::string path = target.empty() && base.prefix.empty() ? "/" : std::string(target);
  return exchange(base, path, timeout, payload{std::move(body), std::string(content_type)}).run();
}

}  // namespace troupe::http
