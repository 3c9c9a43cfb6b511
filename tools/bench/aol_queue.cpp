// Enqueue -> claim -> complete throughput of the durable action queue
// (runtime/store/aol_actions.hpp, aol_claims.hpp) with a no-op adapter, on
// one database (a SQLite file or a PostgreSQL server), against a raw SQL
// loop running the same statements through plain SOCI, in the same run.
//
// Each measurement starts from an empty queue: N actions are enqueued, one
// at a time (each its own transaction, as a single POST /api/actions
// enqueues one) or in batches (`--enqueue-batch` per transaction, as a batch
// POST /api/actions or `troupe enqueue --file` does), then claimed in
// batches and completed in batches (one statement per batch) until none is
// due, with nothing run in between (the no-op adapter). One connection, one
// thread: the daemon's loop is one claimer.
//
// The raw loop runs the SQL text of the store verbatim, statement for
// statement (enqueue: INSERT ... RETURNING the row, a SELECT by key only
// for a key already taken; a batch: one INSERT ... SELECT from the batch as
// one JSON parameter; claim: UPDATE ... RETURNING, after the dead-lettering
// UPDATE on SQLite, with it in a WITH clause on PostgreSQL; complete: one
// fenced UPDATE ... WHERE (id, lease_token) IN the batch's JSON), each statement prepared once and
// executed again and again, as the store now keeps them. The store also
// validates its input and converts rows; the ratio troupe/raw is what that
// layer costs.
#include <soci/soci.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "runtime/result.hpp"
#include "runtime/store/aol_action_rows.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_claims.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/migrations.hpp"
#include "runtime/store/optional_column.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace {

using namespace troupe;
using store::database;

const std::string owner = "bench_aol_queue";
const std::string action_type = "NOOP";
constexpr std::int64_t lease_ms = 60'000;

struct bench_size {
  std::int64_t actions = 0;
  int batch = 0;          // actions per claim (and per completing statement)
  int enqueue_batch = 0;  // actions per batched enqueue
};

// How one measurement enqueues: one action per transaction, or in batches.
enum class enqueue_mode { one_by_one, batched };

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string key_of(std::int64_t index) { return "bench-" + std::to_string(index); }

// Wall seconds of the two stages of one measurement.
struct stage_seconds {
  double enqueue = 0;
  double process = 0;  // claim -> complete until none is due
};

// Deletes every action (and attempt log), so each measurement starts alike.
status empty_queue(database& db) {
  return store::guarded("cannot empty the action queue", [&] {
    if (db.kind() == store::backend::postgresql) {
      // DELETE would leave dead rows behind for the next measurement's scans.
      store::execute(db.session(), "TRUNCATE aol_execution_logs, aol_actions");
    } else {
      store::execute(db.session(), "DELETE FROM aol_execution_logs");
      store::execute(db.session(), "DELETE FROM aol_actions");
    }
  });
}

// Fails unless exactly `expected` actions are queued, all SUCCEEDED.
status check_all_succeeded(database& db, std::int64_t expected, const std::string& who) {
  auto counts = store::count_actions_by_status(db);
  if (!counts) return counts.failure();
  std::int64_t total = 0;
  for (const auto& [state, count] : *counts) total += count;
  const auto succeeded = counts->at(store::action_status::succeeded);
  if (total != expected || succeeded != expected) {
    return error{who + " left " + std::to_string(succeeded) + " of " + std::to_string(total) +
                 " actions SUCCEEDED, expected " + std::to_string(expected)};
  }
  return {};
}

// --- Troupe: the store's functions -----------------------------------------

// Enqueues actions [first, first + count) through the store.
status troupe_enqueue(database& db, std::int64_t first, std::int64_t count, enqueue_mode mode) {
  store::new_action request;
  request.type = action_type;
  if (mode == enqueue_mode::one_by_one) {
    for (std::int64_t index = first; index < first + count; ++index) {
      request.idempotency_key = key_of(index);
      auto enqueued = store::enqueue_action(db, request, now_ms());
      if (!enqueued) return enqueued.failure();
    }
    return {};
  }
  std::vector<store::new_action> batch(static_cast<std::size_t>(count), request);
  for (std::int64_t index = 0; index < count; ++index)
    batch[index].idempotency_key = key_of(first + index);
  auto enqueued = store::enqueue_actions(db, batch, now_ms());
  if (!enqueued) return enqueued.failure();
  if (std::count_if(enqueued->begin(), enqueued->end(),
                    [](const auto& outcome) { return outcome.created; }) != count) {
    return error{"troupe: a batch of fresh keys did not create every action"};
  }
  return {};
}

result<stage_seconds> run_troupe(database& db, const bench_size& size, enqueue_mode mode) {
  stage_seconds seconds;
  bench::stopwatch watch;
  const std::int64_t step = mode == enqueue_mode::batched ? size.enqueue_batch : size.actions;
  for (std::int64_t first = 0; first < size.actions; first += step) {
    if (auto enqueued = troupe_enqueue(db, first, std::min(step, size.actions - first), mode);
        !enqueued) {
      return enqueued.failure();
    }
  }
  seconds.enqueue = watch.seconds();
  watch.restart();
  std::vector<store::claimed_action> batch;
  for (;;) {
    auto claimed = store::claim_due_actions(db, owner, now_ms(), lease_ms, size.batch);
    if (!claimed) return claimed.failure();
    if (claimed->empty()) break;
    batch.clear();
    for (const auto& action : *claimed) batch.push_back({action.id, action.lease_token});
    auto completed = store::complete_actions(db, batch, now_ms());
    if (!completed) return completed.failure();
    if (std::count(completed->begin(), completed->end(), false) != 0) {
      return error{"troupe: a completion of a fresh claim was fenced"};
    }
  }
  seconds.process = watch.seconds();
  return seconds;
}

// --- raw: the same SQL, each statement prepared once ------------------------

// The columns of an action as the store selects and returns them.
constexpr const char* action_columns =
    "id, type, payload, idempotency_key, status, priority, attempts, max_attempts, run_at_ms,"
    " next_attempt_at_ms, lease_owner, lease_expires_at_ms, CAST(lease_token AS BIGINT),"
    " last_error, decision, created_at_ms, updated_at_ms, finished_at_ms";

struct action_row {
  std::int64_t id = 0;
  std::string type, payload, key, status;
  int priority = 0, attempts = 0, max_attempts = 0;
  std::int64_t run_at_ms = 0, next_attempt_at_ms = 0;
  std::optional<std::string> lease_owner;
  std::optional<std::int64_t> lease_expires_at_ms, token;
  std::optional<std::string> last_error, decision;
  std::int64_t created_at_ms = 0, updated_at_ms = 0;
  std::optional<std::int64_t> finished_at_ms;
};

void fetch_into(soci::statement& statement, action_row& row) {
  statement.exchange(soci::into(row.id));
  statement.exchange(soci::into(row.type));
  statement.exchange(soci::into(row.payload));
  statement.exchange(soci::into(row.key));
  statement.exchange(soci::into(row.status));
  statement.exchange(soci::into(row.priority));
  statement.exchange(soci::into(row.attempts));
  statement.exchange(soci::into(row.max_attempts));
  statement.exchange(soci::into(row.run_at_ms));
  statement.exchange(soci::into(row.next_attempt_at_ms));
  statement.exchange(soci::into(row.lease_owner));
  statement.exchange(soci::into(row.lease_expires_at_ms));
  statement.exchange(soci::into(row.token));
  statement.exchange(soci::into(row.last_error));
  statement.exchange(soci::into(row.decision));
  statement.exchange(soci::into(row.created_at_ms));
  statement.exchange(soci::into(row.updated_at_ms));
  statement.exchange(soci::into(row.finished_at_ms));
}

// Runs a prepared statement and reads all its rows; returns how many.
// Reading past the last one finishes the statement, which is what commits an
// autocommit write on SQLite (store::run_to_end does the same).
template <class OnRow>
long long execute_to_end(soci::statement& statement, OnRow&& on_row) {
  long long rows = 0;
  for (bool got = statement.execute(true); got; got = statement.fetch()) {
    ++rows;
    on_row();
  }
  return rows;
}

// The store's statements, each prepared once, with the values they bind.
// Statements refer to the members they bind: neither copied nor moved.
class raw_queue {
 public:
  raw_queue(database& db, int batch)
      : kind_(db.kind()),
        batch_(batch),
        insert_(store::prepare_statement(db.session(), store::aol_rows::insert_one_sql(),
                                         [&](soci::statement& s) {
                                           fetch_into(s, row_);
                                           s.exchange(soci::use(action_type));
                                           s.exchange(soci::use(payload_));
                                           s.exchange(soci::use(key_));
                                           s.exchange(soci::use(priority_));
                                           s.exchange(soci::use(max_attempts_));
                                           s.exchange(soci::use(now_));
                                           s.exchange(soci::use(now_));
                                           s.exchange(soci::use(now_));
                                           s.exchange(soci::use(now_));
                                         })),
        select_by_key_(
            store::prepare_statement(db.session(),
                                     std::string("SELECT ") + action_columns +
                                         " FROM aol_actions WHERE idempotency_key = :key",
                                     [&](soci::statement& s) {
                                       fetch_into(s, row_);
                                       s.exchange(soci::use(key_));
                                     })),
        insert_batch_(store::prepare_statement(db.session(),
                                               store::aol_rows::insert_batch_sql(kind_),
                                               [&](soci::statement& s) {
                                                 fetch_into(s, row_);
                                                 s.exchange(soci::use(now_));
                                                 s.exchange(soci::use(now_));
                                                 s.exchange(soci::use(batch_json_));
                                               })),
        select_batch_keys_(store::prepare_statement(
            db.session(),
            std::string("SELECT ") + action_columns +
                " FROM aol_actions WHERE idempotency_key IN (SELECT b.idempotency_key FROM " +
                store::aol_rows::json_rows(kind_, ":batch", {{"idempotency_key", "TEXT"}}, "b") +
                ")",
            [&](soci::statement& s) {
              fetch_into(s, row_);
              s.exchange(soci::use(batch_json_));
            })),
        dead_letter_(store::prepare(db.session(), dead_letter_text(), soci::use(abandoned_error_),
                                    soci::use(now_), soci::use(now_), soci::use(now_))),
        claim_(store::prepare_statement(db.session(), claim_text(kind_),
                                        [&](soci::statement& s) {
                                          fetch_into(s, row_);
                                          if (kind_ == store::backend::postgresql) {
                                            s.exchange(soci::use(abandoned_error_));
                                            s.exchange(soci::use(now_));
                                            s.exchange(soci::use(now_));
                                            s.exchange(soci::use(now_));
                                          }
                                          s.exchange(soci::use(owner));
                                          s.exchange(soci::use(lease_expires_at_ms_));
                                          s.exchange(soci::use(now_));
                                          s.exchange(soci::use(now_));
                                          s.exchange(soci::use(now_));
                                          s.exchange(soci::use(batch_));
                                        })),
        complete_(store::prepare(
            db.session(),
            "UPDATE aol_actions SET status = 'SUCCEEDED', lease_owner = NULL,"
            " lease_expires_at_ms = NULL, held_reason = NULL, updated_at_ms = :updated_at_ms,"
            " finished_at_ms = :finished_at_ms"
            " WHERE status = 'RUNNING' AND (id, lease_token) IN (SELECT done.id, done.token FROM " +
                store::aol_rows::json_rows(kind_, ":batch", {{"id", "BIGINT"}, {"token", "TEXT"}},
                                           "done") +
                ") RETURNING id",
            soci::into(completed_id_), soci::use(now_), soci::use(now_), soci::use(batch_json_))) {}

  raw_queue(const raw_queue&) = delete;
  raw_queue& operator=(const raw_queue&) = delete;

  void enqueue(const std::string& key, std::int64_t now) {
    key_ = key;
    now_ = now;
    if (execute_to_end(insert_, [] {}) == 0) execute_to_end(select_by_key_, [] {});
  }

  // Enqueues actions [first, first + count) in one statement; returns how
  // many it created.
  long long enqueue_batch(std::int64_t first, std::int64_t count, std::int64_t now) {
    now_ = now;
    boost::json::array rows;
    rows.reserve(static_cast<std::size_t>(count));
    for (std::int64_t index = 0; index < count; ++index) {
      rows.push_back(boost::json::object{{"ord", index},
                                         {"type", action_type},
                                         {"payload", payload_},
                                         {"idempotency_key", key_of(first + index)},
                                         {"priority", priority_},
                                         {"max_attempts", max_attempts_},
                                         {"run_at_ms", now}});
    }
    batch_json_ = boost::json::serialize(rows);
    const long long created = execute_to_end(insert_batch_, [] {});
    if (created < count) execute_to_end(select_batch_keys_, [] {});
    return created;
  }

  // The claimed actions, replacing what `claimed` held.
  void claim(std::int64_t now, std::vector<store::claimed_action>& claimed) {
    now_ = now;
    lease_expires_at_ms_ = now + lease_ms;
    claimed.clear();
    if (kind_ == store::backend::sqlite) execute_to_end(dead_letter_, [] {});
    execute_to_end(claim_, [&] { claimed.push_back({row_.id, row_.token.value_or(0)}); });
  }

  // How many of `claimed` were completed (the others were fenced).
  std::size_t complete(const std::vector<store::claimed_action>& claimed, std::int64_t now) {
    now_ = now;
    boost::json::array rows;
    rows.reserve(claimed.size());
    for (const auto& action : claimed) {
      rows.push_back(
          boost::json::object{{"id", action.id}, {"token", std::to_string(action.token)}});
    }
    batch_json_ = boost::json::serialize(rows);
    return static_cast<std::size_t>(execute_to_end(complete_, [] {}));
  }

 private:
  static std::string dead_letter_text() {
    return "UPDATE aol_actions SET status = 'DLQ', last_error = :error, lease_owner = NULL,"
           " lease_expires_at_ms = NULL, updated_at_ms = :updated_at_ms,"
           " finished_at_ms = :finished_at_ms WHERE status = 'RUNNING'"
           " AND lease_expires_at_ms < :expired_before_ms AND attempts >= max_attempts";
  }

  static std::string claim_text(store::backend kind) {
    const std::string claim =
        std::string(
            "UPDATE aol_actions SET status = 'RUNNING', lease_owner = :owner,"
            " lease_expires_at_ms = :lease_expires_at_ms,"
            " lease_token = CAST(COALESCE(CAST(lease_token AS BIGINT), 0) + 1 AS TEXT),"
            " attempts = attempts + 1, updated_at_ms = :updated_at_ms"
            " WHERE id IN (SELECT id FROM aol_actions"
            " WHERE (status IN ('PENDING', 'RETRY') AND next_attempt_at_ms <= :due_by_ms)"
            " OR (status = 'RUNNING' AND lease_expires_at_ms < :expired_before_ms"
            " AND attempts < max_attempts)"
            " ORDER BY priority DESC, next_attempt_at_ms, id LIMIT :max_batch") +
        (kind == store::backend::postgresql ? " FOR UPDATE SKIP LOCKED" : "") + ") RETURNING " +
        action_columns;
    if (kind == store::backend::sqlite) return claim;
    return "WITH abandoned AS (" + dead_letter_text() + " RETURNING id) " + claim;
  }

  store::backend kind_;
  // The values the statements bind, declared before the statements.
  int batch_;
  std::string key_;
  const std::string payload_ = "{}";
  const int priority_ = 0;
  const int max_attempts_ = 3;
  const std::string abandoned_error_ =
      "the lease of its last allowed attempt expired without an outcome (its holder died?)";
  std::int64_t now_ = 0;
  std::int64_t lease_expires_at_ms_ = 0;
  std::string batch_json_;
  std::int64_t completed_id_ = 0;
  action_row row_;
  soci::statement insert_;
  soci::statement select_by_key_;
  soci::statement insert_batch_;
  soci::statement select_batch_keys_;
  soci::statement dead_letter_;
  soci::statement claim_;
  soci::statement complete_;
};

result<stage_seconds> run_raw(database& db, const bench_size& size, enqueue_mode mode) {
  return store::guarded("raw", [&]() -> result<stage_seconds> {
    raw_queue queue(db, size.batch);
    stage_seconds seconds;
    bench::stopwatch watch;
    if (mode == enqueue_mode::one_by_one) {
      for (std::int64_t index = 0; index < size.actions; ++index)
        queue.enqueue(key_of(index), now_ms());
    } else {
      for (std::int64_t first = 0; first < size.actions; first += size.enqueue_batch) {
        const std::int64_t count = std::min<std::int64_t>(size.enqueue_batch, size.actions - first);
        if (queue.enqueue_batch(first, count, now_ms()) != count) {
          return error{"raw: a batch of fresh keys did not create every action"};
        }
      }
    }
    seconds.enqueue = watch.seconds();
    watch.restart();
    std::vector<store::claimed_action> claimed;
    for (;;) {
      queue.claim(now_ms(), claimed);
      if (claimed.empty()) break;
      if (queue.complete(claimed, now_ms()) != claimed.size()) {
        return error{"raw: a completion of a fresh claim was fenced"};
      }
    }
    seconds.process = watch.seconds();
    return seconds;
  });
}

// --- measuring and reporting -------------------------------------------------

using runner = result<stage_seconds> (*)(database&, const bench_size&, enqueue_mode);

// One measurement from an empty queue, checked afterwards.
result<stage_seconds> measure(database& db, const bench_size& size, runner run, enqueue_mode mode,
                              const std::string& who) {
  if (auto emptied = empty_queue(db); !emptied) return emptied.failure();
  auto seconds = run(db, size, mode);
  if (!seconds) return error{who + ": " + seconds.failure().message};
  if (auto checked = check_all_succeeded(db, size.actions, who); !checked) {
    return checked.failure();
  }
  return seconds;
}

// Actions per second of each stage and of the whole, medians over repeats.
struct rates {
  double enqueue = 0;
  double process = 0;
  double end_to_end = 0;
};

rates median_rates(const std::vector<stage_seconds>& runs, std::int64_t actions) {
  std::vector<double> enqueue, process, end_to_end;
  const auto n = static_cast<double>(actions);
  for (const auto& run : runs) {
    enqueue.push_back(n / run.enqueue);
    process.push_back(n / run.process);
    end_to_end.push_back(n / (run.enqueue + run.process));
  }
  return {bench::median(enqueue), bench::median(process), bench::median(end_to_end)};
}

void print_rates(const char* backend_name, const char* who, const rates& measured) {
  std::printf("%-10s  %-14s  enqueue %9s/s  claim+complete %9s/s  end-to-end %9s/s\n", backend_name,
              who, bench::grouped(measured.enqueue).c_str(),
              bench::grouped(measured.process).c_str(),
              bench::grouped(measured.end_to_end).c_str());
}

void print_ratio(const char* backend_name, const char* which, const rates& troupe,
                 const rates& raw) {
  std::printf("%-10s  ratio %s  enqueue %s  claim+complete %s  end-to-end %s\n", backend_name,
              which, bench::ratio(troupe.enqueue, raw.enqueue).c_str(),
              bench::ratio(troupe.process, raw.process).c_str(),
              bench::ratio(troupe.end_to_end, raw.end_to_end).c_str());
}

// The measurements of one way of enqueueing, troupe's and raw's.
struct paired_runs {
  std::vector<stage_seconds> troupe, raw;
};

// `repeats` interleaved measurements of troupe and raw enqueueing by `mode`.
result<paired_runs> measure_pairs(database& db, const bench_size& size, enqueue_mode mode,
                                  int repeats) {
  const std::string suffix = mode == enqueue_mode::batched ? "-batched" : "";
  paired_runs runs;
  for (int repeat = 0; repeat < repeats; ++repeat) {
    // Alternate which goes first, so neither always meets a warmer server.
    for (int turn = 0; turn < 2; ++turn) {
      const bool troupe_turn = (turn == 0) == (repeat % 2 == 0);
      auto seconds = troupe_turn ? measure(db, size, run_troupe, mode, "troupe" + suffix)
                                 : measure(db, size, run_raw, mode, "raw" + suffix);
      if (!seconds) return seconds.failure();
      (troupe_turn ? runs.troupe : runs.raw).push_back(*seconds);
    }
  }
  return runs;
}

int run(const std::string& url, const bench_size& size, int repeats) {
  auto db = database::open(url);
  if (!db) {
    std::cerr << db.failure().message << "\n";
    return 1;
  }
  if (auto migrated = store::migrate(*db); !migrated) {
    std::cerr << migrated.failure().message << "\n";
    return 1;
  }
  auto one_by_one = measure_pairs(*db, size, enqueue_mode::one_by_one, repeats);
  auto batched = one_by_one ? measure_pairs(*db, size, enqueue_mode::batched, repeats) : one_by_one;
  for (const auto* measured : {&one_by_one, &batched}) {
    if (!*measured) {
      std::cerr << measured->failure().message << "\n";
      return 1;
    }
  }
  if (auto emptied = empty_queue(*db); !emptied) {
    std::cerr << emptied.failure().message << "\n";
    return 1;
  }
  const char* backend_name = store::to_string(db->kind());
  std::cout << "aol queue on " << backend_name << " (" << db->url_for_logs()
            << "): " << bench::grouped(static_cast<double>(size.actions))
            << " no-op actions enqueued one per transaction (troupe, raw) or " << size.enqueue_batch
            << " per transaction (troupe-batched, raw-batched), claimed " << size.batch
            << " at a time and completed in one statement per claim; one connection; median of "
            << repeats << " interleaved run" << (repeats == 1 ? "" : "s")
            << " each (every figure its own median)\n";
  const auto troupe = median_rates(one_by_one->troupe, size.actions);
  const auto raw = median_rates(one_by_one->raw, size.actions);
  const auto troupe_batched = median_rates(batched->troupe, size.actions);
  const auto raw_batched = median_rates(batched->raw, size.actions);
  print_rates(backend_name, "troupe", troupe);
  print_rates(backend_name, "raw", raw);
  print_rates(backend_name, "troupe-batched", troupe_batched);
  print_rates(backend_name, "raw-batched", raw_batched);
  print_ratio(backend_name, "troupe/raw", troupe, raw);
  print_ratio(backend_name, "batched troupe/raw", troupe_batched, raw_batched);
  std::cout << "  troupe: store::enqueue_action (or enqueue_actions), claim_due_actions, "
               "complete_actions; raw: "
               "the same SQL through plain SOCI, each statement prepared once\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  bench_size size{20'000, 100, 1000};
  int repeats = 3;
  bench::options::options_description described("options");
  described.add_options()("db", bench::options::value(&url),
                          "the database: sqlite:PATH or postgresql://... (migrated, then its "
                          "action queue is emptied before every measurement)")(
      "actions,n", bench::options::value(&size.actions)->default_value(size.actions),
      "actions per measurement")("batch",
                                 bench::options::value(&size.batch)->default_value(size.batch),
                                 "actions per claim (1..1000)")(
      "enqueue-batch",
      bench::options::value(&size.enqueue_batch)->default_value(size.enqueue_batch),
      "actions per batched enqueue (1..1000)")(
      "repeats", bench::options::value(&repeats)->default_value(repeats),
      "interleaved measurements of each kind (the median is reported)");
  if (auto stop = bench::parse_command_line(
          argc, argv,
          "bench_aol_queue: enqueue -> claim -> complete through the AOL store vs the same SQL "
          "through plain SOCI",
          described)) {
    return *stop;
  }
  if (url.empty()) {
    std::cerr << "--db is required (sqlite:PATH or postgresql://...)\n";
    return 2;
  }
  if (size.actions < 1 || repeats < 1 || size.batch < 1 || size.batch > store::max_claim_batch ||
      size.enqueue_batch < 1 || size.enqueue_batch > store::max_enqueue_batch) {
    std::cerr << "--actions and --repeats must be at least 1, --batch 1 to "
              << store::max_claim_batch << ", --enqueue-batch 1 to " << store::max_enqueue_batch
              << "\n";
    return 2;
  }
  return run(url, size, repeats);
}
