#include "runtime/http/server.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "runtime/http/query.hpp"

namespace troupe::http {

namespace {

namespace beast = boost::beast;
namespace wire = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class connection;

// Lets responders hand responses to the I/O threads only while the server
// runs: once it stops, the connections and their executors are going away.
struct delivery_gate {
  std::mutex mutex;
  bool open = true;
};

// What the server and all its connections share. Owns the open connections
// (a connection waiting for an asynchronous handler has no pending I/O to
// keep it alive).
class server_context {
 public:
  server_context(router routes, server_limits limits) : routes(std::move(routes)), limits(limits) {}

  const router routes;
  const server_limits limits;
  const std::shared_ptr<delivery_gate> gate = std::make_shared<delivery_gate>();

  // Returns false, keeping nothing, when max_connections are already open.
  bool try_register(const std::shared_ptr<connection>& opened) {
    std::lock_guard lock(connections_mutex_);
    if (connections_.size() >= limits.max_connections) return false;
    connections_.emplace(opened.get(), opened);
    return true;
  }

  void unregister(const connection* closed) {
    std::lock_guard lock(connections_mutex_);
    connections_.erase(closed);
  }

  std::unordered_map<const connection*, std::shared_ptr<connection>> take_connections() {
    std::unordered_map<const connection*, std::shared_ptr<connection>> taken;
    std::lock_guard lock(connections_mutex_);
    taken.swap(connections_);
    return taken;
  }

  void count_response(int status) {
    std::lock_guard lock(counts_mutex_);
    ++counts_[status];
  }

  std::map<int, std::uint64_t> response_counts() const {
    std::lock_guard lock(counts_mutex_);
    return counts_;
  }

 private:
  std::mutex connections_mutex_;
  std::unordered_map<const connection*, std::shared_ptr<connection>> connections_;
  mutable std::mutex counts_mutex_;
  std::map<int, std::uint64_t> counts_;
};

std::string_view query_of(std::string_view target) {
  const std::size_t mark = target.find('?');
  return mark == std::string_view::npos ? std::string_view() : target.substr(mark + 1);
}

// The request as handlers see it, or the error to answer instead.
result<request> to_request(wire::request<wire::string_body>&& raw) {
  request incoming;
  incoming.method = std::string(raw.method_string());
  incoming.target = std::string(raw.target());
  if (incoming.target.empty() || incoming.target.front() != '/') {
    return error{"the request target must be a path starting with '/'"};
  }
  auto path = percent_decode(path_of(incoming.target));
  if (!path) return path.failure();
  incoming.path = std::move(path).value();
  auto query = parse_query(query_of(incoming.target));
  if (!query) return query.failure();
  incoming.query = std::move(query).value();
  for (const auto& field : raw) {
    auto [existing, inserted] =
        incoming.headers.emplace(std::string(field.name_string()), std::string(field.value()));
    if (!inserted) existing->second += ", " + std::string(field.value());
  }
  incoming.body = std::move(raw.body());
  return incoming;
}

// One client connection: reads requests one after the other, dispatches each
// and writes its response before reading the next. All its work runs on its
// own strand.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(tcp::socket socket, std::shared_ptr<server_context> context)
      : stream_(std::move(socket)), context_(std::move(context)) {}

  // Serves requests until the client leaves, misbehaves or times out.
  void serve() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_request(); });
  }

  // Answers `refusal` without reading anything and closes.
  void refuse(response refusal) {
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this(), refusal = std::move(refusal)]() mutable {
                    self->write(std::move(refusal), false);
                  });
  }

  // Closes the socket at once; only while no I/O thread runs (server stop).
  void close_now() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

 private:
  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(context_->limits.header_limit));
    parser_->body_limit(context_->limits.body_limit);
    stream_.expires_after(context_->limits.read_timeout);
    wire::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code failure, std::size_t) {
                       self->on_read(failure);
                     });
  }

  void on_read(beast::error_code failure) {
    if (!failure) return handle(parser_->release());
    const bool protocol_error =
        failure.category() == wire::make_error_code(wire::error::bad_method).category() &&
        failure != wire::error::end_of_stream && failure != wire::error::partial_message;
    if (!protocol_error) return finish();  // gone, reset or timed out: nobody to answer
    if (failure == wire::error::header_limit) {
      return write(
          error_response(431, "the request line and headers exceed " +
                                  std::to_string(context_->limits.header_limit) + " bytes"),
          false);
    }
    if (failure == wire::error::body_limit) {
      return write(error_response(413, "the request body exceeds " +
                                           std::to_string(context_->limits.body_limit) + " bytes"),
                   false);
    }
    write(error_response(400, "malformed HTTP request: " + failure.message()), false);
  }

  void handle(wire::request<wire::string_body>&& raw) {
    const bool keep_alive = raw.keep_alive();
    auto incoming = to_request(std::move(raw));
    if (!incoming) return write(error_response(400, incoming.failure().message), false);
    const responder reply = make_responder(keep_alive);
    try {
      context_->routes.dispatch(*incoming, reply);
    } catch (const std::exception& failure) {
      report_handler_failure(*incoming, failure.what(), reply);
    } catch (...) {
      report_handler_failure(*incoming, "unknown exception", reply);
    }
  }

  static void report_handler_failure(const request& failed, const std::string& what,
                                     const responder& reply) {
    spdlog::error("HTTP {} {}: the handler threw: {}", failed.method, failed.target, what);
    reply(
        error_response(500, "internal error while handling " + failed.method + " " + failed.path));
  }

  // A responder that posts the response onto this connection's strand, as
  // long as both the connection and the server are still there.
  responder make_responder(bool keep_alive) {
    return responder(
        [connection = weak_from_this(), gate = context_->gate, keep_alive](response reply) {
          std::lock_guard lock(gate->mutex);
          if (!gate->open) return;
          auto self = connection.lock();
          if (!self) return;
          net::post(self->stream_.get_executor(),
                    [self, keep_alive, reply = std::move(reply)]() mutable {
                      self->write(std::move(reply), keep_alive);
                    });
        });
  }

  void write(response answer, bool keep_alive) {
    const int status = answer.status >= 100 && answer.status <= 599 ? answer.status : 500;
    reply_ = {};
    reply_.version(11);
    reply_.result(static_cast<unsigned>(status));
    reply_.set(wire::field::server, "troupe");
    reply_.set(wire::field::content_type, answer.content_type);
    for (const auto& [name, value] : answer.headers) reply_.insert(name, value);
    reply_.body() = std::move(answer.body);
    reply_.keep_alive(keep_alive);
    reply_.prepare_payload();
    context_->count_response(status);
    stream_.expires_after(context_->limits.write_timeout);
    wire::async_write(stream_, reply_,
                      [self = shared_from_this()](beast::error_code failure, std::size_t) {
                        self->on_written(failure);
                      });
  }

  void on_written(beast::error_code failure) {
    if (failure) return finish();
    if (reply_.keep_alive()) return read_request();
    linger_close();
  }

  // Closes after an answer without leaving unread request bytes behind:
  // closing a socket with unread input sends a reset, which can destroy the
  // answer before the client reads it (a 413 sent while the body still
  // arrives). The client gets read_timeout to stop sending.
  void linger_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(context_->limits.read_timeout);
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code failure, std::size_t) {
                              if (failure) return self->finish();
                              self->drain();
                            });
  }

  void finish() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    context_->unregister(this);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<wire::request_parser<wire::string_body>> parser_;  // fresh for each request
  wire::response<wire::string_body> reply_;                        // alive while being written
  std::array<char, 4096> drain_buffer_{};
  std::shared_ptr<server_context> context_;
};

}  // namespace

class server::impl {
 public:
  impl(const server_options& options, router routes)
      : context_(std::make_shared<server_context>(std::move(routes), options.limits)) {}

  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;
  ~impl() { stop(); }

  status listen(const std::string& address_text, std::uint16_t port) {
    beast::error_code failure;
    const auto address = net::ip::make_address(address_text, failure);
    if (failure) return error{"invalid HTTP address '" + address_text + "': " + failure.message()};
    const tcp::endpoint endpoint(address, port);
    const std::string where = address_text + ":" + std::to_string(port);
    acceptor_.open(endpoint.protocol(), failure);
    if (!failure) acceptor_.set_option(net::socket_base::reuse_address(true), failure);
    if (!failure) acceptor_.bind(endpoint, failure);
    if (!failure) acceptor_.listen(net::socket_base::max_listen_connections, failure);
    if (failure) return error{"cannot listen on " + where + ": " + failure.message()};
    port_ = acceptor_.local_endpoint().port();
    return {};
  }

  void run(int thread_count) {
    accept();
    for (int i = 0; i < std::max(1, thread_count); ++i) {
      threads_.emplace_back([this] { io_.run(); });
    }
  }

  void stop() {
    std::lock_guard lock(stop_mutex_);
    if (stopped_) return;
    stopped_ = true;
    {
      std::lock_guard gate_lock(context_->gate->mutex);
      context_->gate->open = false;
    }
    io_.stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    // No I/O thread runs any more: the sockets can be closed from here.
    beast::error_code ignored;
    acceptor_.close(ignored);
    for (auto& [key, open] : context_->take_connections()) open->close_now();
  }

  std::uint16_t port() const { return port_; }
  std::map<int, std::uint64_t> request_counts() const { return context_->response_counts(); }

 private:
  void accept() {
    acceptor_.async_accept(net::make_strand(io_),
                           [this](beast::error_code failure, tcp::socket socket) {
                             if (failure == net::error::operation_aborted) return;
                             if (failure) {
                               // Out of file descriptors, for instance: retrying at once would
                               // spin.
                               spdlog::warn("HTTP accept failed: {}", failure.message());
                               retry_timer_.expires_after(std::chrono::milliseconds(100));
                               retry_timer_.async_wait([this](beast::error_code cancelled) {
                                 if (!cancelled) accept();
                               });
                               return;
                             }
                             admit(std::move(socket));
                             accept();
                           });
  }

  void admit(tcp::socket socket) {
    auto opened = std::make_shared<connection>(std::move(socket), context_);
    if (context_->try_register(opened)) return opened->serve();
    opened->refuse(error_response(503, "too many open connections; try again later"));
  }

  // Declared first so that it is destroyed last, after everything that
  // holds its sockets and timers.
  net::io_context io_;
  tcp::acceptor acceptor_{io_};
  net::steady_timer retry_timer_{io_};
  std::shared_ptr<server_context> context_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
  std::mutex stop_mutex_;
  bool stopped_ = false;
};

result<server> server::start(const server_options& options, router routes) {
  auto running = std::make_unique<impl>(options, std::move(routes));
  if (auto listening = running->listen(options.address, options.port); !listening) {
    return listening.failure();
  }
  running->run(options.io_threads);
  return server(std::move(running));
}

server::server(std::unique_ptr<impl> running) : impl_(std::move(running)) {}
server::server(server&&) noexcept = default;
server& server::operator=(server&&) noexcept = default;
server::~server() = default;

std::uint16_t server::port() const { return impl_->port(); }

std::map<int, std::uint64_t> server::request_counts() const { return impl_->request_counts(); }

void server::stop() {
  if (impl_) impl_->stop();
}

}  // namespace troupe::http
