#include "options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>

namespace troupe::sim_driver {
namespace {

const std::set<std::string> known_verbs{"recover", "whoami",  "harvest", "preflight",
                                        "post",    "metrics", "lookup"};

bool parse_number(const std::string& text, std::int64_t& value) {
  const auto* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, value);
  return !text.empty() && parsed.ec == std::errc() && parsed.ptr == end;
}

bool parse_number(const std::string& text, double& value) {
  const auto* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, value);
  return !text.empty() && parsed.ec == std::errc() && parsed.ptr == end && value >= 0;
}

bool parse_probability(const std::string& text, double& value) {
  return parse_number(text, value) && value <= 1.0;
}

bool parse_switch(const std::string& text, bool& value) {
  const bool on = text == "1" || text == "true" || text == "yes";
  const bool off = text.empty() || text == "0" || text == "false" || text == "no";
  if (on || off) value = on;
  return on || off;
}

using knob_setter = std::function<bool(simulation_knobs&, const std::string&)>;

struct knob {
  std::string name;  // "p-hang" -> --sim-p-hang and SIM_DRIVER_P_HANG
  knob_setter set;
};

knob_setter probability(double simulation_knobs::*field) {
  return [field](simulation_knobs& knobs, const std::string& text) {
    return parse_probability(text, knobs.*field);
  };
}

knob_setter duration(double simulation_knobs::*field) {
  return [field](simulation_knobs& knobs, const std::string& text) {
    return parse_number(text, knobs.*field);
  };
}

knob_setter count(std::int64_t simulation_knobs::*field) {
  return [field](simulation_knobs& knobs, const std::string& text) {
    return parse_number(text, knobs.*field) && knobs.*field >= 0;
  };
}

knob_setter on_off(bool simulation_knobs::*field) {
  return [field](simulation_knobs& knobs, const std::string& text) {
    return parse_switch(text, knobs.*field);
  };
}

knob_setter path(std::string simulation_knobs::*field) {
  return [field](simulation_knobs& knobs, const std::string& text) {
    knobs.*field = text;
    return true;
  };
}

bool parse_preflight_mode(const std::string& text, preflight_mode& mode) {
  static const std::map<std::string, preflight_mode> modes{{"ok", preflight_mode::ok},
                                                           {"deleted", preflight_mode::deleted},
                                                           {"slow", preflight_mode::slow},
                                                           {"error", preflight_mode::error}};
  const auto found = modes.find(text);
  if (found != modes.end()) mode = found->second;
  return found != modes.end();
}

const std::vector<knob>& knobs_table() {
  static const std::vector<knob> table{
      {"seed",
       [](simulation_knobs& knobs, const std::string& text) {
         std::int64_t seed = 0;
         if (!parse_number(text, seed)) return false;
         knobs.seed = static_cast<std::uint64_t>(seed);
         return true;
       }},
      {"time-scale", duration(&simulation_knobs::time_scale)},
      {"item-ms", duration(&simulation_knobs::item_ms)},
      {"verb-ms", duration(&simulation_knobs::verb_ms)},
      {"progress", count(&simulation_knobs::progress)},
      {"p-transient", probability(&simulation_knobs::p_transient)},
      {"p-auth", probability(&simulation_knobs::p_auth)},
      {"p-no-targets", probability(&simulation_knobs::p_no_targets)},
      {"p-hard", probability(&simulation_knobs::p_hard)},
      {"p-hang", probability(&simulation_knobs::p_hang)},
      {"p-flood", probability(&simulation_knobs::p_flood)},
      {"p-malformed", probability(&simulation_knobs::p_malformed)},
      {"p-grandchild", probability(&simulation_knobs::p_grandchild)},
      {"ignore-term", on_off(&simulation_knobs::ignore_term)},
      {"die-after-post", on_off(&simulation_knobs::die_after_post)},
      {"lookup-unknown", on_off(&simulation_knobs::lookup_unknown)},
      {"exit",
       [](simulation_knobs& knobs, const std::string& text) {
         std::int64_t code = 0;
         if (!parse_number(text, code) || code < 0 || code > 255) return false;
         knobs.exit_code = static_cast<int>(code);
         return true;
       }},
      {"fail-activity",
       [](simulation_knobs& knobs, const std::string& text) {
         knobs.fail_activity = text;
         return true;
       }},
      {"flood-bytes", count(&simulation_knobs::flood_bytes)},
      {"grandchild-seconds", duration(&simulation_knobs::grandchild_seconds)},
      {"ledger", path(&simulation_knobs::ledger)},
      {"post-log", path(&simulation_knobs::post_log)},
      {"session-ledger", path(&simulation_knobs::session_ledger)},
      {"session-slots", count(&simulation_knobs::session_slots)},
      {"echo-env",
       [](simulation_knobs& knobs, const std::string& text) {
         std::size_t start = 0;
         while (start <= text.size()) {
           const auto comma = std::min(text.find(',', start), text.size());
           if (comma > start) knobs.echo_env.push_back(text.substr(start, comma - start));
           start = comma + 1;
         }
         return true;
       }},
      {"harvest-count",
       [](simulation_knobs& knobs, const std::string& text) {
         return parse_number(text, knobs.harvest_count.emplace()) && *knobs.harvest_count >= 0;
       }},
      {"preflight",
       [](simulation_knobs& knobs, const std::string& text) {
         return parse_preflight_mode(text, knobs.preflight);
       }},
      {"preflight-slow-ms", duration(&simulation_knobs::preflight_slow_ms)},
      {"p-deleted", probability(&simulation_knobs::p_deleted)},
      {"logged-out", on_off(&simulation_knobs::logged_out)},
      {"logged-out-file", path(&simulation_knobs::logged_out_file)},
  };
  return table;
}

std::string environment_name(const std::string& knob_name) {
  std::string name = "SIM_DRIVER_";
  for (const char c : knob_name) name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return name;
}

const knob* find_knob(const std::string& flag) {
  const std::string prefix = "--sim-";
  if (flag.compare(0, prefix.size(), prefix) != 0) return nullptr;
  for (const auto& entry : knobs_table()) {
    if (flag.substr(prefix.size()) == entry.name) return &entry;
  }
  return nullptr;
}

std::string read_environment(simulation_knobs& knobs) {
  for (const auto& entry : knobs_table()) {
    const auto name = environment_name(entry.name);
    const char* value = std::getenv(name.c_str());
    if (value != nullptr && !entry.set(knobs, value))
      return "bad value for " + name + ": '" + value + "'";
  }
  return {};
}

std::string activity_of(const std::string& script) {
  auto name = script.substr(script.find_last_of('/') + 1);
  return name.substr(0, name.find('.'));
}

// Sets a contract option that takes a value; returns false for an unknown one.
bool set_contract_option(driver_arguments& parsed, const std::string& flag,
                         const std::string& value, std::string& error) {
  static const std::map<std::string, std::string driver_arguments::*> text_options{
      {"--profile", &driver_arguments::profile},
      {"--session", &driver_arguments::session},
      {"--step", &driver_arguments::step},
      {"--target", &driver_arguments::target},
      {"--post-id", &driver_arguments::post_id},
      {"--idempotency-key", &driver_arguments::idempotency_key},
      {"--text", &driver_arguments::text},
      {"--reply-to", &driver_arguments::reply_to},
      {"--targets", &driver_arguments::targets_file}};
  const auto bad_number = [&] { error = "bad number for " + flag + ": '" + value + "'"; };
  if (const auto text = text_options.find(flag); text != text_options.end()) {
    parsed.*(text->second) = value;
  } else if (flag == "--cursor") {
    if (!parse_number(value, parsed.cursor) || parsed.cursor < 0) bad_number();
  } else if (flag == "--count") {
    if (!parse_number(value, parsed.count.emplace()) || *parsed.count < 0) bad_number();
  } else if (flag == "--seconds") {
    if (!parse_number(value, parsed.seconds.emplace())) bad_number();
  } else {
    return false;
  }
  return true;
}

std::string parse_argv(const std::vector<std::string>& argv, driver_arguments& parsed) {
  std::vector<std::string> positional;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const auto& word = argv[i];
    if (word == "--help" || word == "-h") {
      parsed.help = true;
    } else if (word == "--proof") {
      parsed.proof = true;
    } else if (word == "--sim-ignore-term") {
      parsed.knobs.ignore_term = true;
    } else if (word.compare(0, 2, "--") != 0) {
      positional.push_back(word);
    } else if (i + 1 == argv.size()) {
      return "missing value for " + word;
    } else {
      const auto& value = argv[++i];
      std::string error;
      if (const auto* entry = find_knob(word)) {
        if (!entry->set(parsed.knobs, value)) error = "bad value for " + word + ": '" + value + "'";
      } else if (!set_contract_option(parsed, word, value, error)) {
        error = "unknown option " + word;
      }
      if (!error.empty()) return error;
    }
  }
  if (positional.size() > 2) return "unexpected argument '" + positional[2] + "'";
  if (!positional.empty()) parsed.script = positional[0];
  if (positional.size() == 2) parsed.verb = positional[1];
  return {};
}

std::string check(driver_arguments& parsed) {
  if (parsed.script.empty()) return "missing the script (the first argument)";
  parsed.activity = activity_of(parsed.script);
  if (parsed.verb.empty() && known_verbs.count(parsed.activity) != 0) parsed.verb = parsed.activity;
  if (!parsed.verb.empty()) {
    if (known_verbs.count(parsed.verb) == 0) return "unknown verb '" + parsed.verb + "'";
    if (parsed.verb == "recover" && parsed.step.empty()) return "recover needs --step";
    if (parsed.verb == "preflight" && parsed.target.empty()) return "preflight needs --target";
    if ((parsed.verb == "post" || parsed.verb == "lookup") && parsed.idempotency_key.empty())
      return parsed.verb + " needs --idempotency-key";
    if (parsed.verb == "metrics" && parsed.post_id.empty()) return "metrics needs --post-id";
    return {};
  }
  if (parsed.profile.empty()) return "a session needs --profile";
  if (parsed.session.empty()) return "a session needs --session";
  if (parsed.count.has_value() == parsed.seconds.has_value()) {
    return "a session needs exactly one of --count and --seconds";
  }
  return {};
}

} // namespace

parsed_arguments parse_arguments(const std::vector<std::string>& argv) {
  driver_arguments parsed;
  std::string error = read_environment(parsed.knobs);
  if (error.empty()) error = parse_argv(argv, parsed);
  if (error.empty() && parsed.help) return {parsed, {}};
  if (error.empty()) error = check(parsed);
  if (!error.empty()) return {std::nullopt, error};
  return {parsed, {}};
}

std::string usage() {
  return R"(usage: sim-driver SCRIPT --profile ID (--count N | --seconds S) --session SID [--proof]
                  [--targets FILE --cursor N]
       sim-driver SCRIPT VERB [--profile ID] [--session SID] [--proof] [VERB OPTIONS]
       (VERB defaults to SCRIPT's name when that is a verb: post.js -> post)

Troupe's simulated driver: it honours the driver contract (stdout JSON lines,
{"event":"progress",...} then {"result":{...}}; exit 0 success, 2 transient,
3 auth required, 4 no targets, other = hard error) and misbehaves on demand.
The activity is SCRIPT's name (follow.js -> follow).

verbs:
  recover --step NAME
  whoami                  {"handle":"sim_PROFILE","logged_in":true}; false with
                          logged-out or while logged-out-file exists
  harvest                 {"items":[...]}: 3..12 (or harvest-count) posts, each
                          {"id","author","author_followers","text","url",
                          "posted_at_ms","likes","replies","reposts"}; ages
                          5 min..30 h, mostly under 12 h, a few over 24 h
  preflight --target ID   {"target":ID,"available":B,"deleted":B} (see preflight)
  post --idempotency-key K [--text T] [--reply-to POST]
                          (appends K to the ledger unless --proof or K is
                          already there: a platform honouring the key posts once)
  lookup --idempotency-key K
                          did a post with key K reach the platform? Reads the
                          ledger: {"idempotency_key":K,"found":true,"post_id":ID}
                          with the post_id post answered for K, or
                          {"idempotency_key":K,"found":false}; cannot tell
                          (exit 2, no result) without a ledger or with
                          lookup-unknown. Read-only, so --proof changes nothing
  metrics --post-id ID

simulation (flag --sim-NAME VALUE, or environment SIM_DRIVER_NAME; flags win):
  seed N               randomness; output is a function of seed and session
  time-scale X         multiplies every duration (default 1.0)
  item-ms MS           time per counted item (default 1000)
  verb-ms MS           time of a verb (default 500)
  progress N           progress lines (default 3)
  p-transient P, p-auth P, p-no-targets P, p-hard P
                       probabilities of exit 2, 3, 4, 1 (failures happen midway)
  p-hang P             sleep until killed
  p-flood P            first write flood-bytes of output (default 50 MiB)
  p-malformed P        also write lines that are not the contract's
  p-grandchild P       fork a grandchild that holds stdout for
                       grandchild-seconds (default 30, not scaled)
  ignore-term 1        ignore SIGTERM (--sim-ignore-term takes no value)
  exit CODE            force the exit code
  fail-activity NAME   sessions of activity NAME fail hard (exit 1); verbs,
                       recover among them, are unaffected
  die-after-post 1     post records the post (post-log, ledger), then dies by
                       SIGKILL before writing its result (not with --proof)
  lookup-unknown 1     lookup cannot tell whether a post happened: exit 2
  ledger FILE          where post appends its idempotency key (once per key);
                       what lookup reads
  post-log FILE        where post appends its idempotency key on every call
                       (repeats too: what a caller really sent)
  session-ledger DIR   each session holds a lock on DIR/account-PROFILE.lock
                       and on one of session-slots slot locks until it exits,
                       appends "start PROFILE SESSION" to DIR/sessions, and
                       "overlap ..." or "over-concurrency ..." to
                       DIR/violations when its account's lock or every slot
                       was taken (checked by tests across daemons and nodes)
  session-slots N      the ledger's slots: the concurrency allowed (0: none
                       checked)
  echo-env A,B         report these variables' values in the result
  harvest-count N      harvest exactly N items (0: an empty harvest)
  preflight MODE       ok (default): the target is there, unless p-deleted
                       says otherwise; deleted: available false, deleted true;
                       slow: sleep preflight-slow-ms (default 60000, not
                       scaled), then answer as ok does; error: exit 1, no result
  p-deleted P          preflight ok: the target was deleted since its harvest,
                       drawn from the seed and the target only (the same
                       target gets the same answer in every session)
  logged-out 1         whoami answers logged_in false
  logged-out-file FILE whoami answers logged_in false while FILE exists
)";
}

} // namespace troupe::sim_driver
