// A writer of the Prometheus text exposition format 0.0.4 for GET /metrics:
// counters, gauges and histograms, grouped into families that get one
// `# HELP` and one `# TYPE` line each, in the order they were first written.
// Samples of a family written at different times are still printed
// together. Not thread-safe: build one per scrape.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace troupe::http {

using metric_labels = std::vector<std::pair<std::string, std::string>>;

// Observations counted into buckets by upper bound, as a histogram keeps them.
class histogram_data {
 public:
  // `upper_bounds` must be strictly increasing; +Inf is implied.
  explicit histogram_data(std::vector<double> upper_bounds);

  void observe(double value);

  const std::vector<double>& upper_bounds() const { return upper_bounds_; }
  // Per-bucket (not cumulative) counts; the last one counts values above every bound.
  const std::vector<std::uint64_t>& bucket_counts() const { return bucket_counts_; }
  double sum() const { return sum_; }
  std::uint64_t count() const { return count_; }

 private:
  std::vector<double> upper_bounds_;
  std::vector<std::uint64_t> bucket_counts_;  // upper_bounds_.size() + 1 entries
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

class prometheus_writer {
 public:
  // Each adds one sample to family `name`. Throws std::invalid_argument on
  // an invalid metric or label name, or on a family written with two types
  // (programming errors).
  void counter(std::string_view name, std::string_view help, double value,
               const metric_labels& labels = {});
  void gauge(std::string_view name, std::string_view help, double value,
             const metric_labels& labels = {});
  // Writes name_bucket{le=...} (cumulative, ending with le="+Inf"),
  // name_sum and name_count.
  void histogram(std::string_view name, std::string_view help, const histogram_data& data,
                 const metric_labels& labels = {});

  // The exposition text, each line ending in '\n'.
  std::string text() const;

  // The Content-Type of that text.
  static constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

 private:
  struct family {
    std::string name;
    std::string help;
    std::string type;
    std::vector<std::string> sample_lines;
  };

  family& family_for(std::string_view name, std::string_view help, std::string_view type);

  std::vector<family> families_;
};

}  // namespace troupe::http
