#include "runtime/store/aol_control_flags.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

constexpr const char* paused_flag = "paused";
constexpr const char* proof_flag = "proof";

bool* field_of(control_flags& flags, const std::string& name) {
  if (name == paused_flag) return &flags.paused;
  if (name == proof_flag) return &flags.proof;
  return nullptr;
}

bool stored_value(const std::string& name, const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  throw std::runtime_error("control flag " + name + " holds '" + text +
                           "', neither true nor false");
}

status check_flag_name(const std::string& name) {
  control_flags ignored;
  if (field_of(ignored, name) != nullptr) return {};
  return error{"unknown control flag '" + name + "' (known: " +
               fmt::format("{}", fmt::join(control_flag_names(), ", ")) + ")"};
}

}  // namespace

std::vector<std::string> control_flag_names() { return {paused_flag, proof_flag}; }

result<control_flags> load_control_flags(database& db) {
  return guarded("cannot read the control flags", [&] {
    control_flags flags;
    std::string name;
    std::string text;
    auto select = prepare(db.session(), "SELECT name, value FROM aol_control_flags",
                          soci::into(name), soci::into(text));
    select.execute();
    while (select.fetch()) {
      // A row of a flag this build does not know (a newer build's) is ignored.
      if (bool* field = field_of(flags, name)) *field = stored_value(name, text);
    }
    return flags;
  });
}

status set_control_flag(database& db, const std::string& name, bool value, std::int64_t now_ms) {
  if (auto known = check_flag_name(name); !known) return known;
  const std::string text = value ? "true" : "false";
  return guarded("cannot set control flag " + name, [&] {
    execute(db.session(),
            "INSERT INTO aol_control_flags (name, value, updated_at_ms)"
            " VALUES (:name, :value, :updated_at_ms) ON CONFLICT (name) DO UPDATE"
            " SET value = excluded.value, updated_at_ms = excluded.updated_at_ms",
            soci::use(name), soci::use(text), soci::use(now_ms));
  });
}

result<bool> seed_control_flag(database& db, const std::string& name, bool value,
                               std::int64_t now_ms) {
  if (auto known = check_flag_name(name); !known) return known.failure();
  const std::string text = value ? "true" : "false";
  return guarded("cannot seed control flag " + name, [&] {
    return execute(db.session(),
                   "INSERT INTO aol_control_flags (name, value, updated_at_ms)"
                   " VALUES (:name, :value, :updated_at_ms) ON CONFLICT (name) DO NOTHING",
                   soci::use(name), soci::use(text), soci::use(now_ms)) > 0;
  });
}

}  // namespace troupe::store
