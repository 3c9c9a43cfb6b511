#include "runtime/http/prometheus.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace troupe::http {

namespace {

bool is_letter_or_underscore(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// [a-zA-Z_:][a-zA-Z0-9_:]* for metric names, [a-zA-Z_][a-zA-Z0-9_]* for labels.
bool valid_name(std::string_view name, bool colons_allowed) {
  auto allowed = [&](char c, bool first) {
    return is_letter_or_underscore(c) || (colons_allowed && c == ':') || (!first && is_digit(c));
  };
  if (name.empty() || !allowed(name.front(), true)) return false;
  return std::all_of(name.begin() + 1, name.end(), [&](char c) { return allowed(c, false); });
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  const auto written = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, written.ptr);
}

// Escapes '\\' and '\n', plus '"' when `quote_too` (label values).
std::string escape(std::string_view text, bool quote_too) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '\n') {
      escaped += "\\n";
    } else if (c == '"' && quote_too) {
      escaped += "\\\"";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string sample_line(std::string_view name, const metric_labels& labels, double value) {
  std::string line(name);
  if (!labels.empty()) {
    line += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (!valid_name(labels[i].first, false)) {
        throw std::invalid_argument("invalid Prometheus label name: " + labels[i].first);
      }
      line += (i == 0 ? "" : ",") + labels[i].first + "=\"" + escape(labels[i].second, true) + '"';
    }
    line += '}';
  }
  return line + ' ' + format_value(value);
}

metric_labels with_label(metric_labels labels, std::string name, std::string value) {
  labels.emplace_back(std::move(name), std::move(value));
  return labels;
}

}  // namespace

histogram_data::histogram_data(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), bucket_counts_(upper_bounds_.size() + 1, 0) {
  if (std::adjacent_find(upper_bounds_.begin(), upper_bounds_.end(), std::greater_equal<>()) !=
      upper_bounds_.end()) {
    throw std::invalid_argument("histogram bounds must be strictly increasing");
  }
}

void histogram_data::observe(double value) {
  const auto bucket = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value);
  ++bucket_counts_[static_cast<std::size_t>(bucket - upper_bounds_.begin())];
  sum_ += value;
  ++count_;
}

prometheus_writer::family& prometheus_writer::family_for(std::string_view name,
                                                         std::string_view help,
                                                         std::string_view type) {
  if (!valid_name(name, true)) {
    throw std::invalid_argument("invalid Prometheus metric name: " + std::string(name));
  }
  for (auto& existing : families_) {
    if (existing.name != name) continue;
    if (existing.type != type) {
      throw std::invalid_argument("metric " + std::string(name) + " written as " + existing.type +
                                  " and as " + std::string(type));
    }
    return existing;
  }
  families_.push_back({std::string(name), std::string(help), std::string(type), {}});
  return families_.back();
}

void prometheus_writer::counter(std::string_view name, std::string_view help, double value,
                                const metric_labels& labels) {
  family_for(name, help, "counter").sample_lines.push_back(sample_line(name, labels, value));
}

void prometheus_writer::gauge(std::string_view name, std::string_view help, double value,
                              const metric_labels& labels) {
  family_for(name, help, "gauge").sample_lines.push_back(sample_line(name, labels, value));
}

void prometheus_writer::histogram(std::string_view name, std::string_view help,
                                  const histogram_data& data, const metric_labels& labels) {
  const bool has_le = std::any_of(labels.begin(), labels.end(),
                                  [](const auto& label) { return label.first == "le"; });
  if (has_le) throw std::invalid_argument("a histogram's labels cannot include 'le'");
  auto& lines = family_for(name, help, "histogram").sample_lines;
  const std::string base(name);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < data.upper_bounds().size(); ++i) {
    cumulative += data.bucket_counts()[i];
    lines.push_back(sample_line(base + "_bucket",
                                with_label(labels, "le", format_value(data.upper_bounds()[i])),
                                static_cast<double>(cumulative)));
  }
  lines.push_back(sample_line(base + "_bucket", with_label(labels, "le", "+Inf"),
                              static_cast<double>(data.count())));
  lines.push_back(sample_line(base + "_sum", labels, data.sum()));
  lines.push_back(sample_line(base + "_count", labels, static_cast<double>(data.count())));
}

std::string prometheus_writer::text() const {
  std::string text;
  for (const auto& family : families_) {
    text += "# HELP " + family.name + ' ' + escape(family.help, false) + '\n';
    text += "# TYPE " + family.name + ' ' + family.type + '\n';
    for (const auto& line : family.sample_lines) text += line + '\n';
  }
  return text;
}

}  // namespace troupe::http
