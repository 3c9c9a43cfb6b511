#include "runtime/http/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <optional>

namespace troupe::http {
namespace {

namespace net = boost::asio;
namespace wire = boost::beast::http;
namespace ssl = net::ssl;
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
result<base_url> parse_authority(std::string_view authority, std::uint16_t default_port) {
  base_url parsed;
  parsed.port = default_port;
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

// The Host header: the port only when not the scheme's default, IPv6 in brackets.
std::string host_header(const base_url& base) {
  const bool is_v6 = base.host.find(':') != std::string::npos;
  std::string host = is_v6 ? "[" + base.host + "]" : base.host;
  if (base.port != (base.tls ? 443 : 80)) host += ":" + std::to_string(base.port);
  return host;
}

bool is_ip_address(const std::string& host) {
  error_code failure;
  net::ip::make_address(host, failure);
  return !failure;
}

// A request body and its media type.
struct payload {
  std::string body;
  std::string content_type;
};

// One request driven to its end on a private io_context. Two timers bound
// it: the connect deadline (resolve, connect, TLS handshake) and the
// whole-exchange deadline; either cancels whatever step is pending.
class transfer {
 public:
  // A GET without `sent`, a POST of `sent` with it.
  transfer(const base_url& base, std::string_view target, const exchange_options& options,
           std::optional<payload> sent = std::nullopt)
      : base_(base),
        options_(options),
        resolver_(io_),
        socket_(io_),
        connect_deadline_(io_),
        deadline_(io_) {
    request_.method(sent ? wire::verb::post : wire::verb::get);
    request_.target(base.prefix + std::string(target));
    request_.version(11);
    request_.set(wire::field::host, host_header(base));
    request_.set(wire::field::user_agent, "troupe/" TROUPE_VERSION);
    request_.set(wire::field::accept, "application/json");
    for (const auto& [name, value] : options.headers) request_.set(name, value);
    request_.keep_alive(false);
    if (sent) {
      request_.set(wire::field::content_type, sent->content_type);
      request_.body() = std::move(sent->body);
      request_.prepare_payload();
    }
    parser_.body_limit(body_limit);
  }

  exchange_outcome run() {
    if (base_.tls && !start_tls()) return std::move(outcome_);
    arm(deadline_, options_.timeout, exchange_failure::timeout);
    if (options_.connect_timeout < options_.timeout) {
      arm(connect_deadline_, options_.connect_timeout, exchange_failure::connect_timeout);
    }
    resolver_.async_resolve(base_.host, std::to_string(base_.port),
                            [this](error_code failure, const tcp::resolver::results_type& found) {
                              if (failure) {
                                return finish(exchange_failure::resolve,
                                              "cannot resolve " + base_.host, failure);
                              }
                              connect(found);
                            });
    io_.run();
    if (outcome_.failure == exchange_failure::none) outcome_.answer = received();
    return std::move(outcome_);
  }

 private:
  tcp::socket& lowest_layer() { return tls_ ? tls_->next_layer() : socket_; }

  // Sets up the TLS stream: the system's CAs plus options_.ca_file, the
  // peer verified, SNI and the certificate's name checked against the host.
  bool start_tls() {
    tls_context_.emplace(ssl::context::tls_client);
    error_code failure;
    tls_context_->set_verify_mode(ssl::verify_peer, failure);
    if (!failure) tls_context_->set_default_verify_paths(failure);
    if (!failure && !options_.ca_file.empty()) {
      tls_context_->load_verify_file(options_.ca_file, failure);
      if (failure) {
        outcome_.failure = exchange_failure::tls;
        outcome_.message = "cannot load the CA file " + options_.ca_file + ": " + failure.message();
        return false;
      }
    }
    if (failure) {
      outcome_.failure = exchange_failure::tls;
      outcome_.message = "cannot set up TLS: " + failure.message();
      return false;
    }
    tls_.emplace(io_, *tls_context_);
    if (!is_ip_address(base_.host)) {
      SSL_set_tlsext_host_name(tls_->native_handle(), base_.host.c_str());
    }
    tls_->set_verify_callback(ssl::host_name_verification(base_.host));
    return true;
  }

  void arm(net::steady_timer& timer, std::chrono::milliseconds after, exchange_failure kind) {
    timer.expires_after(after);
    timer.async_wait([this, kind, after](error_code failure) {
      if (failure || finished_) return;  // the step it guarded ended first
      finished_ = true;
      outcome_.failure = kind;
      outcome_.message = (kind == exchange_failure::connect_timeout ? "no connection within "
                                                                    : "no response within ") +
                         std::to_string(after.count()) + " ms";
      resolver_.cancel();
      error_code ignored;
      lowest_layer().close(ignored);
      connect_deadline_.cancel();
      deadline_.cancel();
    });
  }

  void connect(const tcp::resolver::results_type& found) {
    net::async_connect(lowest_layer(), found, [this](error_code failure, const tcp::endpoint&) {
      if (failure) return finish(exchange_failure::connect, "", failure);
      if (!tls_) {
        connect_deadline_.cancel();
        return send(socket_);
      }
      tls_->async_handshake(ssl::stream_base::client, [this](error_code failure) {
        if (failure) return finish(exchange_failure::tls, "TLS handshake", failure);
        connect_deadline_.cancel();
        send(*tls_);
      });
    });
  }

  template <class Stream>
  void send(Stream& stream) {
    wire::async_write(stream, request_, [this, &stream](error_code failure, std::size_t) {
      if (failure) return finish(exchange_failure::io, "sending the request", failure);
      wire::async_read(stream, buffer_, parser_, [this](error_code failure, std::size_t) {
        finish(exchange_failure::io, "reading the response", failure);
      });
    });
  }

  // Ends the exchange: records why it failed, if it did, and stops the timers.
  void finish(exchange_failure kind, const std::string& step, error_code failure) {
    if (finished_) return;  // a deadline ended it first
    finished_ = true;
    if (failure) {
      outcome_.failure = kind;
      outcome_.message = step.empty() ? failure.message() : step + ": " + failure.message();
    }
    connect_deadline_.cancel();
    deadline_.cancel();
  }

  response received() const {
    const auto& answer = parser_.get();
    response out;
    out.status = answer.result_int();
    out.content_type = std::string(answer[wire::field::content_type]);
    out.body = answer.body();
    for (const auto& field : answer) {
      if (field.name() == wire::field::content_type) continue;
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    return out;
  }

  const base_url& base_;
  const exchange_options& options_;
  net::io_context io_;
  tcp::resolver resolver_;
  tcp::socket socket_;  // the connection of plain HTTP
  std::optional<ssl::context> tls_context_;
  std::optional<ssl::stream<tcp::socket>> tls_;  // the connection of HTTPS
  net::steady_timer connect_deadline_;
  net::steady_timer deadline_;
  wire::request<wire::string_body> request_;
  boost::beast::flat_buffer buffer_;
  wire::response_parser<wire::string_body> parser_;
  bool finished_ = false;
  exchange_outcome outcome_;
};

// The result of get/post: the response, or the outcome's message.
result<response> answer_of(exchange_outcome outcome) {
  if (outcome.answer) return std::move(*outcome.answer);
  return error{std::move(outcome.message)};
}

exchange_options bounded_by(std::chrono::milliseconds timeout) {
  exchange_options options;
  options.connect_timeout = timeout;
  options.timeout = timeout;
  return options;
}

}  // namespace

result<base_url> parse_service_url(std::string_view url) {
  const std::string quoted = "'" + std::string(url) + "': ";
  const auto scheme_end = url.find("://");
  bool tls = false;
  if (scheme_end != std::string_view::npos) {
    const auto scheme = url.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https") {
      return error{quoted + "only http:// and https:// URLs are supported"};
    }
    tls = scheme == "https";
    url.remove_prefix(scheme_end + 3);
  }
  const auto path_start = url.find('/');
  const auto authority = url.substr(0, path_start);
  auto parsed = parse_authority(authority, tls ? 443 : 80);
  if (!parsed) return error{quoted + parsed.failure().message};
  auto prefix = path_start == std::string_view::npos ? std::string_view() : url.substr(path_start);
  if (prefix.find_first_of("?#") != std::string_view::npos) {
    return error{quoted + "a base URL has no query or fragment"};
  }
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  parsed->prefix = std::string(prefix);
  parsed->tls = tls;
  return parsed;
}

result<base_url> parse_base_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos && url.substr(0, scheme_end) != "http") {
    return error{"'" + std::string(url) + "': only http:// URLs are supported"};
  }
  return parse_service_url(url);
}

result<response> get(const base_url& base, std::string_view target,
                     std::chrono::milliseconds timeout) {
  const auto options = bounded_by(timeout);
  return answer_of(transfer(base, target, options).run());
}

result<response> post(const base_url& base, std::string_view target, std::string body,
                      std::string_view content_type, std::chrono::milliseconds timeout) {
  const std::string path = target.empty() && base.prefix.empty() ? "/" : std::string(target);
  const auto options = bounded_by(timeout);
  return answer_of(
      transfer(base, path, options, payload{std::move(body), std::string(content_type)}).run());
}

exchange_outcome exchange(const base_url& base, std::string_view target, std::string body,
                          std::string_view content_type, const exchange_options& options) {
  return transfer(base, target, options, payload{std::move(body), std::string(content_type)}).run();
}

}  // namespace troupe::http
