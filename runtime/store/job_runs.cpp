#include "runtime/store/job_runs.hpp"

#include "runtime/store/optional_column.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {

status record_job_run(database& db, const job_last_run& run) {
  if (run.job.empty()) return error{"a job run needs its job's name"};
  return guarded("cannot record the run " + run.run_id + " of job " + run.job, [&] {
    const int succeeded = run.succeeded ? 1 : 0;
    const std::optional<std::int64_t> success_at =
        run.succeeded ? std::optional<std::int64_t>(run.finished_at_ms) : std::nullopt;
    execute(db.session(),
            "INSERT INTO job_last_runs (job, run_id, started_at, finished_at, succeeded, summary, last_success_at)"
            " VALUES (:job, :run_id, :started_at, :finished_at, :succeeded, :summary, :success_at)"
            " ON CONFLICT (job) DO UPDATE SET run_id = excluded.run_id, started_at = excluded.started_at,"
            " finished_at = excluded.finished_at, succeeded = excluded.succeeded, summary = excluded.summary,"
            " last_success_at = COALESCE(excluded.last_success_at, job_last_runs.last_success_at)",
            soci::use(run.job), soci::use(run.run_id), soci::use(run.started_at_ms), soci::use(run.finished_at_ms),
            soci::use(succeeded), soci::use(run.summary), soci::use(success_at));
  });
}

result<std::vector<job_last_run>> load_job_runs(database& db) {
  return guarded("cannot read the jobs' last runs", [&] {
    std::vector<job_last_run> runs;
    job_last_run row;
    int succeeded = 0;
    auto select = prepare(db.session(),
                          "SELECT job, run_id, started_at, finished_at, succeeded, summary, last_success_at"
                          " FROM job_last_runs ORDER BY job",
                          soci::into(row.job), soci::into(row.run_id), soci::into(row.started_at_ms),
                          soci::into(row.finished_at_ms), soci::into(succeeded), soci::into(row.summary),
                          soci::into(row.last_success_at_ms));
    select.execute();
    while (select.fetch()) {
      row.succeeded = succeeded != 0;
      runs.push_back(row);
    }
    return runs;
  });
}

}  // namespace troupe::store
