#include "runtime/logging.hpp"

#include <spdlog/async.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <vector>

namespace troupe {
namespace {

constexpr const char* console_pattern = "%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v";
constexpr const char* text_file_pattern = "%Y-%m-%dT%H:%M:%S.%e%z %-5l [%t] %v";
constexpr const char* json_file_pattern =
    R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","thread":%t,"msg":"%*"})";

// `%*` in a pattern: the message escaped for a JSON string, so every line of
// a JSON log parses whatever the message holds.
class json_escaped_message final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (char c : msg.payload) append_escaped(static_cast<unsigned char>(c), dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<json_escaped_message>();
  }

 private:
  static void append_escaped(unsigned char c, spdlog::memory_buf_t& dest) {
    static constexpr char hex[] = "0123456789abcdef";
    if (c == '"' || c == '\\') {
      dest.push_back('\\');
      dest.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      const char escaped[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      dest.append(escaped, escaped + sizeof escaped);
    } else {
      dest.push_back(static_cast<char>(c));
    }
  }
};

std::unique_ptr<spdlog::formatter> json_formatter() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<json_escaped_message>('*').set_pattern(json_file_pattern);
  return formatter;
}

std::optional<spdlog::level::level_enum> parse_level(const std::string& name) {
  auto level = spdlog::level::from_str(name);
  // from_str answers "off" for any unknown name; only "off" itself means off.
  if (level == spdlog::level::off && name != "off") return std::nullopt;
  return level;
}

// The daemon's log lines are written on one logging thread, so that an
// actor thread never waits on the disk (or a rotation). The queue blocks
// when full rather than drop lines; spdlog::shutdown() drains it. Made once
// per process: replacing the pool would cut off a logger still in use.
std::shared_ptr<spdlog::details::thread_pool> logging_thread() {
  constexpr std::size_t queued_lines = 8192;
  if (!spdlog::thread_pool()) spdlog::init_thread_pool(queued_lines, 1);
  return spdlog::thread_pool();
}

spdlog::sink_ptr console_sink() {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  sink->set_pattern(console_pattern);
  return sink;
}

}  // namespace

status configure_logging(const config::log_config& settings,
                         const std::optional<std::string>& level_override) {
  const std::string level_name = level_override.value_or(settings.level);
  auto level = parse_level(level_name);
  if (!level) return error{"unknown log level '" + level_name + "'"};

  std::vector<spdlog::sink_ptr> sinks{console_sink()};
  if (!settings.file.empty()) {
    try {
      auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          settings.file, static_cast<std::size_t>(settings.max_size_bytes),
          static_cast<std::size_t>(settings.max_files));
      if (settings.json) {
        file->set_formatter(json_formatter());
      } else {
        file->set_pattern(text_file_pattern);
      }
      sinks.push_back(file);
    } catch (const spdlog::spdlog_ex& e) {
      return error{"cannot open log file '" + settings.file + "': " + e.what()};
    }
  }
  auto logger = std::make_shared<spdlog::async_logger>(
      "troupe", sinks.begin(), sinks.end(), logging_thread(), spdlog::async_overflow_policy::block);
  logger->set_level(*level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  return {};
}

void drain_logging() {
  spdlog::shutdown();
  configure_console_logging("warn");
}

log_drain::~log_drain() { drain_logging(); }

void configure_console_logging(const std::string& level) {
  auto logger = std::make_shared<spdlog::logger>("troupe", console_sink());
  logger->set_level(parse_level(level).value_or(spdlog::level::info));
  spdlog::set_default_logger(logger);
}

} // namespace troupe
