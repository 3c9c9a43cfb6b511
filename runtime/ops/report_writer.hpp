// Writes the status report every report.everyMs to DATA_DIR/reports as
// report-YYYYMMDDTHHMMSSZ.json and .txt (job:cleanup removes old ones), on a
// thread of its own; 0 writes none. The interval and the directory are read
// from the config in force before each wait, so a reload applies. RAII: the
// destructor stops and joins the thread promptly.
#pragma once

#include <boost/json/object.hpp>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "config/config.hpp"
#include "runtime/result.hpp"

namespace troupe::ops {

// Writes `report` (and its text) under `data_dir`/reports, named after `now_ms`; returns the JSON file's path.
result<std::string> write_report_files(const boost::json::object& report, const std::string& data_dir,
                                       std::int64_t now_ms);

class report_writer {
 public:
  report_writer(std::function<std::shared_ptr<const config::troupe_config>()> config,
                std::function<boost::json::object()> build, std::function<std::int64_t()> now_ms);
  ~report_writer();
  report_writer(const report_writer&) = delete;
  report_writer& operator=(const report_writer&) = delete;

 private:
  void run();

  std::function<std::shared_ptr<const config::troupe_config>()> config_;
  std::function<boost::json::object()> build_;
  std::function<std::int64_t()> now_ms_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members it uses exist
};

}  // namespace troupe::ops
