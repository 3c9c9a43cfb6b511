// fake-llm: an OpenAI-compatible server for tests and the demo, on
// 127.0.0.1 only. Deterministic completions and embeddings (generator.hpp),
// scripted faults (script.hpp), and a record of what it received.
//
//   fake-llm [--port N] [--seed S] [--dim D] [--script JSON]
//            [--tls-cert PEM --tls-key PEM]
//
// Prints the port it listens on as the first line of stdout, then serves
// until killed. With --tls-cert, a connection that opens with a TLS
// handshake speaks HTTPS and any other plain HTTP (so tests reach the admin
// endpoints without trusting the certificate). Endpoints (any path prefix, e.g. /v1):
//   POST .../chat/completions, POST .../embeddings   the API
//   POST /_fake/script   a JSON list of steps replacing the remaining script
//   GET  /_fake/requests the API requests received: path, auth (whether a
//                        Bearer key came; the key is never echoed), model, body
//   GET  /_fake/count    {"count": N} API requests received
// One thread per connection; one request per connection is enough for our
// client, keep-alive is honoured anyway.
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "generator.hpp"
#include "script.hpp"

namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace wire = boost::beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;

struct options {
  unsigned short port = 0;
  std::uint64_t seed = 1;
  int dimension = 64;
  std::string script = "[]";
  std::string tls_cert;
  std::string tls_key;
};

// What the server was asked, and what it still has to do wrong.
class server_state {
 public:
  explicit server_state(std::vector<fake_llm::step> script)
      : script_(script.begin(), script.end()) {}

  // Records one API request and returns the step that answers it.
  fake_llm::step take(json::object received) {
    const std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(std::move(received));
    if (script_.empty()) return {};
    auto next = script_.front();
    script_.pop_front();
    return next;
  }

  void replace_script(std::vector<fake_llm::step> steps) {
    const std::lock_guard<std::mutex> lock(mutex_);
    script_.assign(steps.begin(), steps.end());
  }

  json::array requests() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

  std::size_t count() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return requests_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::deque<fake_llm::step> script_;
  json::array requests_;
};

using request = wire::request<wire::string_body>;
using response = wire::response<wire::string_body>;

response json_answer(const request& asked, int status, const json::value& body) {
  response answer{static_cast<wire::status>(status), asked.version()};
  answer.set(wire::field::content_type, "application/json");
  answer.body() = json::serialize(body);
  answer.keep_alive(asked.keep_alive());
  answer.prepare_payload();
  return answer;
}

json::object error_body(const std::string& message, const std::string& type,
                        const std::string& code) {
  return {{"error", {{"message", message}, {"type", type}, {"code", code}}}};
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The prompt's text: every message's content, in order.
std::string prompt_of(const json::object& body) {
  std::string prompt;
  if (const auto* messages = body.if_contains("messages"); messages && messages->is_array()) {
    for (const auto& message : messages->as_array()) {
      if (!message.is_object()) continue;
      if (const auto* content = message.as_object().if_contains("content");
          content && content->is_string()) {
        prompt += std::string(content->as_string()) + "\n";
      }
    }
  }
  return prompt;
}

std::vector<std::string> inputs_of(const json::object& body) {
  std::vector<std::string> inputs;
  const auto* input = body.if_contains("input");
  if (input && input->is_string()) inputs.emplace_back(input->as_string());
  if (input && input->is_array()) {
    for (const auto& item : input->as_array()) {
      if (item.is_string()) inputs.emplace_back(item.as_string());
    }
  }
  return inputs;
}

std::string model_of(const json::object& body) {
  const auto* model = body.if_contains("model");
  return model && model->is_string() ? std::string(model->as_string()) : "fake-model";
}

json::object chat_answer(const options& given, const json::object& body, std::size_t serial) {
  const auto prompt = prompt_of(body);
  const auto text = fake_llm::completion(given.seed, prompt);
  const long prompt_tokens = fake_llm::token_count(prompt);
  const long completion_tokens = fake_llm::token_count(text);
  return {{"id", "chatcmpl-fake-" + std::to_string(serial)},
          {"object", "chat.completion"},
          {"model", model_of(body)},
          {"choices", json::array{{{"index", 0},
                                   {"message", {{"role", "assistant"}, {"content", text}}},
                                   {"finish_reason", "stop"}}}},
          {"usage",
           {{"prompt_tokens", prompt_tokens},
            {"completion_tokens", completion_tokens},
            {"total_tokens", prompt_tokens + completion_tokens}}}};
}

json::object embeddings_answer(const options& given, const json::object& body) {
  json::array data;
  long tokens = 0;
  int index = 0;
  for (const auto& input : inputs_of(body)) {
    json::array vector;
    for (const double component : fake_llm::embedding(given.seed, input, given.dimension)) {
      vector.push_back(component);
    }
    data.push_back(
        json::object{{"object", "embedding"}, {"index", index++}, {"embedding", vector}});
    tokens += fake_llm::token_count(input);
  }
  return {{"object", "list"},
          {"model", model_of(body)},
          {"data", std::move(data)},
          {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}};
}

// The answer to an API request, or nullopt to reset the connection.
std::optional<response> answer_api(const options& given, server_state& state,
                                   const request& asked) {
  const std::string path(asked.target());
  boost::system::error_code failure;
  const auto parsed = json::parse(asked.body(), failure);
  const json::object body = !failure && parsed.is_object() ? parsed.as_object() : json::object{};
  const auto authorization = asked[wire::field::authorization];
  const bool has_key = authorization.size() > 7 && authorization.substr(0, 7) == "Bearer ";
  const auto serial = state.count() + 1;
  const auto next = state.take(
      {{"path", path}, {"auth", has_key}, {"model", model_of(body)}, {"body", asked.body()}});
  using kind = fake_llm::step::kind;
  switch (next.action) {
    case kind::reset:
      return std::nullopt;
    case kind::quota:
      return json_answer(asked, 429,
                         error_body("You exceeded your current quota.", "insufficient_quota",
                                    "insufficient_quota"));
    case kind::malformed: {
      response answer{wire::status::ok, asked.version()};
      answer.set(wire::field::content_type, "application/json");
      answer.body() = "{\"choices\": [ this is not json";
      answer.prepare_payload();
      return answer;
    }
    case kind::status: {
      auto answer = json_answer(asked, next.status,
                                error_body("scripted failure", "server_error", "scripted"));
      if (!next.retry_after.empty()) answer.set(wire::field::retry_after, next.retry_after);
      return answer;
    }
    case kind::stall:
      std::this_thread::sleep_for(std::chrono::milliseconds(next.stall_ms));
      break;
    case kind::ok:
      break;
  }
  if (failure || !parsed.is_object()) {
    return json_answer(asked, 400, error_body("the body is not JSON", "invalid_request_error", ""));
  }
  if (ends_with(path, "/chat/completions"))
    return json_answer(asked, 200, chat_answer(given, body, serial));
  return json_answer(asked, 200, embeddings_answer(given, body));
}

std::optional<response> answer(const options& given, server_state& state, const request& asked) {
  const std::string path(asked.target());
  const bool post = asked.method() == wire::verb::post;
  if (path == "/_fake/count") return json_answer(asked, 200, {{"count", state.count()}});
  if (path == "/_fake/requests") return json_answer(asked, 200, state.requests());
  if (path == "/_fake/script" && post) {
    std::string why;
    auto steps = fake_llm::parse_script(asked.body(), why);
    if (!steps) return json_answer(asked, 400, error_body(why, "invalid_request_error", ""));
    const auto queued = steps->size();
    state.replace_script(std::move(*steps));
    return json_answer(asked, 200, {{"queued", queued}});
  }
  if (post && (ends_with(path, "/chat/completions") || ends_with(path, "/embeddings"))) {
    return answer_api(given, state, asked);
  }
  return json_answer(asked, 404,
                     error_body("no such endpoint: " + path, "invalid_request_error", ""));
}

// Closes with a TCP reset: SO_LINGER 0 makes close() send RST.
void reset(tcp::socket& socket) {
  linger abort{1, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  boost::system::error_code ignored;
  socket.close(ignored);
}

template <class Stream>
void serve(const options& given, server_state& state, Stream& stream, tcp::socket& socket) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    request asked;
    boost::system::error_code failure;
    wire::read(stream, buffer, asked, failure);
    if (failure) return;
    auto reply = answer(given, state, asked);
    if (!reply) return reset(socket);
    const bool keep = reply->keep_alive();
    wire::write(stream, *reply, failure);
    if (failure || !keep) return;
  }
}

// Returns true iff the client opened with a TLS handshake record (0x16).
bool starts_tls(tcp::socket& socket) {
  unsigned char first = 0;
  boost::system::error_code failure;
  socket.receive(net::buffer(&first, 1), tcp::socket::message_peek, failure);
  return !failure && first == 0x16;
}

void connection(const options& given, server_state& state, ssl::context* tls, tcp::socket socket) {
  if (tls == nullptr || !starts_tls(socket)) {
    serve(given, state, socket, socket);
  } else {
    ssl::stream<tcp::socket> secure(std::move(socket), *tls);
    boost::system::error_code failure;
    secure.handshake(ssl::stream_base::server, failure);
    if (!failure) serve(given, state, secure, secure.next_layer());
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

std::optional<options> parse_options(int argc, char** argv) {
  options given;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--port")
      given.port = static_cast<unsigned short>(std::stoul(value));
    else if (flag == "--seed")
      given.seed = std::stoull(value);
    else if (flag == "--dim")
      given.dimension = std::stoi(value);
    else if (flag == "--script")
      given.script = value;
    else if (flag == "--tls-cert")
      given.tls_cert = value;
    else if (flag == "--tls-key")
      given.tls_key = value;
    else
      return std::nullopt;
  }
  if (argc % 2 == 0 || given.dimension < 1) return std::nullopt;
  return given;
}

}  // namespace

int main(int argc, char** argv) {
  const auto given = parse_options(argc, argv);
  if (!given) {
    std::cerr << "usage: fake-llm [--port N] [--seed S] [--dim D] [--script JSON] "
                 "[--tls-cert PEM --tls-key PEM]\n";
    return 2;
  }
  std::string why;
  auto script = fake_llm::parse_script(given->script, why);
  if (!script) {
    std::cerr << "fake-llm: --script: " << why << "\n";
    return 2;
  }
  std::optional<ssl::context> tls;
  if (!given->tls_cert.empty()) {
    tls.emplace(ssl::context::tls_server);
    tls->use_certificate_chain_file(given->tls_cert);
    tls->use_private_key_file(given->tls_key, ssl::context::pem);
  }
  server_state state(std::move(*script));
  net::io_context io;
  tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), given->port});
  std::cout << acceptor.local_endpoint().port() << std::endl;
  for (;;) {
    tcp::socket socket(io);
    boost::system::error_code failure;
    acceptor.accept(socket, failure);
    if (failure) continue;
    std::thread(connection, std::cref(*given), std::ref(state), tls ? &*tls : nullptr,
                std::move(socket))
        .detach();
  }
}
