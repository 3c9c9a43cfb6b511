// HTTPS: the client verifies the server's certificate against the system's
// CAs plus llm.caFile, and its name against the host. A CA and server
// certificates are made here with the openssl command-line tool.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "fake_server.hpp"
#include "runtime/llm/client.hpp"
#include "tests/support/command.hpp"

using namespace troupe;
using namespace troupe::llm;
using namespace troupe::llm::testing;
using namespace std::chrono_literals;

namespace {

// A test CA and two certificates it signed: one for localhost/127.0.0.1,
// one for another name.
struct test_pki {
  troupe::testing::temp_dir dir;

  test_pki() {
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string script = "cd '" + dir.path().string() + "' && exec >openssl.log 2>&1 && " +
                               "openssl req -x509 " + ec +
                               " -keyout ca.key -out ca.pem -days 2 -subj /CN=troupe-test-ca && " +
                               sign("server", "DNS:localhost,IP:127.0.0.1", ec) + " && " +
                               sign("elsewhere", "DNS:elsewhere.example", ec);
    REQUIRE(std::system(script.c_str()) == 0);
  }

  static std::string sign(const std::string& name, const std::string& names,
                          const std::string& ec) {
    return "openssl req " + ec + " -keyout " + name + ".key -out " + name +
           ".csr -subj /CN=" + name + " && printf 'subjectAltName=" + names +
           "\\nbasicConstraints=CA:FALSE\\n' > " + name + ".ext && openssl x509 -req -in " + name +
           ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -out " + name + ".pem -days 2 -extfile " +
           name + ".ext";
  }

  std::vector<std::string> server_args(const std::string& name) const {
    return {"--tls-cert", dir.file(name + ".pem"), "--tls-key", dir.file(name + ".key")};
  }
};

client make_client(const std::string& base_url, const std::string& ca_file,
                   std::vector<call_record>& records) {
  client_settings settings;
  settings.base_url = base_url;
  settings.api_key = "sk-tls-test";
  settings.chat_model = "gpt-4o-mini";
  settings.ca_file = ca_file;
  settings.connect_timeout = 2000ms;
  settings.request_timeout = 3000ms;
  client_hooks hooks;
  hooks.sink = [&records](const call_record& record) { records.push_back(record); };
  hooks.sleep = [](std::chrono::milliseconds) {};
  auto made = client::create(settings, hooks);
  REQUIRE(made.ok());
  return std::move(*made);
}

chat_request hello() {
  chat_request request;
  request.messages = {{"user", "hello over TLS"}};
  return request;
}

}  // namespace

TEST_CASE("over HTTPS a server whose certificate chains to llm.caFile is trusted, by IP or name") {
  test_pki pki;
  fake_llm_server server(pki.server_args("server"));
  std::vector<call_record> records;
  auto by_ip = make_client(server.base_url("https"), pki.dir.file("ca.pem"), records);
  const auto reply = by_ip.chat(hello());
  INFO((reply.ok() ? std::string() : reply.failure().message));
  REQUIRE(reply.ok());
  CHECK_FALSE(reply->content.empty());

  auto by_name = make_client("https://localhost:" + std::to_string(server.port()) + "/v1",
                             pki.dir.file("ca.pem"), records);
  CHECK(by_name.chat(hello()).ok());
  CHECK(server.count() == 2);
}

TEST_CASE("over HTTPS an unknown CA fails the handshake: tls_failed, no retry, nothing sent") {
  test_pki pki;
  fake_llm_server server(pki.server_args("server"));
  std::vector<call_record> records;
  auto llm = make_client(server.base_url("https"), "", records);
  const auto reply = llm.chat(hello());
  REQUIRE_FALSE(reply.ok());
  CHECK(failure_reason(reply.failure()) == "tls_failed");
  REQUIRE(records.size() == 1);
  CHECK(records[0].attempts == 1);
  CHECK(server.count() == 0);
  CHECK(reply.failure().message.find("sk-tls-test") == std::string::npos);
}

TEST_CASE("over HTTPS a certificate for another name fails the handshake") {
  test_pki pki;
  fake_llm_server server(pki.server_args("elsewhere"));
  std::vector<call_record> records;
  auto llm = make_client(server.base_url("https"), pki.dir.file("ca.pem"), records);
  const auto reply = llm.chat(hello());
  REQUIRE_FALSE(reply.ok());
  CHECK(failure_reason(reply.failure()) == "tls_failed");
  CHECK(server.count() == 0);
}

TEST_CASE("a CA file that cannot be read is tls_failed, saying which file") {
  test_pki pki;
  fake_llm_server server(pki.server_args("server"));
  std::vector<call_record> records;
  auto llm = make_client(server.base_url("https"), pki.dir.file("missing.pem"), records);
  const auto reply = llm.chat(hello());
  REQUIRE_FALSE(reply.ok());
  CHECK(failure_reason(reply.failure()) == "tls_failed");
  CHECK(reply.failure().message.find("missing.pem") != std::string::npos);
}
