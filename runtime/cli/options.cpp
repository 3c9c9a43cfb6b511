#include "runtime/cli/options.hpp"

#include <boost/program_options.hpp>
#include <map>
#include <sstream>

namespace troupe::cli {
namespace po = boost::program_options;

namespace {

struct subcommand {
  command_kind kind;
  const char* summary;
};

const std::map<std::string, subcommand>& subcommands() {
  static const std::map<std::string, subcommand> table{
      {"run", {command_kind::run, "run the daemon until SIGINT/SIGTERM"}},
      {"check-config", {command_kind::check_config, "validate the config; print ok or every error"}},
      {"migrate", {command_kind::migrate, "apply pending database migrations"}},
      {"tables", {command_kind::tables, "list the expected tables and whether each is present"}},
  };
  return table;
}

std::string top_level_usage() {
  std::ostringstream out;
  out << "Usage: troupe [--help] [--version] COMMAND [OPTIONS]\n\n"
      << "Troupe runs scheduled automation for many accounts as an actor tree.\n\nCommands:\n";
  for (const auto& [name, sub] : subcommands()) {
    out << "  " << name << std::string(14 - name.size(), ' ') << sub.summary << "\n";
  }
  out << "\nRun 'troupe COMMAND --help' for a command's options.\n";
  return out.str();
}

po::options_description common_description(common_options& common) {
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help")(
      "config", po::value(&common.config_files)->composing(),
      "config file (YAML or JSON); repeat to merge, later files win per top-level key")(
      "db", po::value<std::string>(), "database URL: sqlite:PATH or postgresql://... (wins over db.url)")(
      "log-level", po::value<std::string>(), "trace|debug|info|warn|error|critical|off");
  return desc;
}

std::string usage_of(const std::string& name, const po::options_description& desc) {
  std::ostringstream out;
  out << "Usage: troupe " << name << " [OPTIONS]\n  " << subcommands().at(name).summary << "\n\n"
      << desc;
  return out.str();
}

template <class T>
std::optional<T> optional_value(const po::variables_map& vm, const char* key) {
  if (vm.count(key) == 0) return std::nullopt;
  return vm[key].as<T>();
}

parse_result parse_subcommand(const std::string& name, const subcommand& sub,
                              const std::vector<std::string>& args) {
  command_line line;
  line.kind = sub.kind;
  auto desc = common_description(line.common);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      line.kind = command_kind::help;
      line.help_text = usage_of(name, desc);
      return {line, std::nullopt};
    }
    line.common.db_url = optional_value<std::string>(vm, "db");
    line.common.log_level = optional_value<std::string>(vm, "log-level");
    return {line, std::nullopt};
  } catch (const po::error& e) {
    return {std::nullopt, usage_error{e.what(), usage_of(name, desc)}};
  }
}

}  // namespace

parse_result parse_command_line(int argc, const char* const argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return {std::nullopt, usage_error{"no command given", top_level_usage()}};
  const std::string& first = args.front();
  if (first == "--help" || first == "-h" || first == "help") {
    command_line line;
    line.help_text = top_level_usage();
    return {line, std::nullopt};
  }
  if (first == "--version") {
    command_line line;
    line.kind = command_kind::version;
    return {line, std::nullopt};
  }
  auto found = subcommands().find(first);
  if (found == subcommands().end()) {
    return {std::nullopt, usage_error{"unknown command '" + first + "'", top_level_usage()}};
  }
  return parse_subcommand(first, found->second, {args.begin() + 1, args.end()});
}

} // namespace troupe::cli
