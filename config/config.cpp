#include "config/config.hpp"

#include <fmt/format.h>

#include <cctype>
#include <utility>

namespace troupe::config {
namespace {

activity_config counted_activity(std::string name, std::string script, int_range count) {
  activity_config activity;
  activity.name = std::move(name);
  activity.script = std::move(script);
  activity.count = count;
  return activity;
}

activity_config timed_activity(std::string name, std::string script, int_range seconds) {
  activity_config activity;
  activity.name = std::move(name);
  activity.script = std::move(script);
  activity.seconds = seconds;
  return activity;
}

mood_config waking_mood(std::string name, minute_of_day start, minute_of_day end, double idle,
                        double burst, std::map<std::string, double> weights) {
  mood_config mood;
  mood.name = std::move(name);
  mood.start = start;
  mood.end = end;
  mood.idle = idle;
  mood.burst = burst;
  mood.weights = std::move(weights);
  return mood;
}

constexpr minute_of_day at(int hour, int minute) { return hour * 60 + minute; }

bool is_two_digits(const std::string& text, std::size_t from) {
  return std::isdigit(static_cast<unsigned char>(text[from])) &&
         std::isdigit(static_cast<unsigned char>(text[from + 1]));
}

}  // namespace

std::optional<minute_of_day> parse_minute_of_day(const std::string& text) {
  if (text.size() != 5 || text[2] != ':' || !is_two_digits(text, 0) || !is_two_digits(text, 3)) {
    return std::nullopt;
  }
  const int hour = (text[0] - '0') * 10 + (text[1] - '0');
  const int minute = (text[3] - '0') * 10 + (text[4] - '0');
  if (hour > 23 || minute > 59) return std::nullopt;
  return at(hour, minute);
}

std::string format_minute_of_day(minute_of_day minute) {
  return fmt::format("{:02}:{:02}", (minute / 60) % 24, minute % 60);
}

bool mood_covers(const mood_config& mood, minute_of_day minute) {
  if (mood.start <= mood.end) return mood.start <= minute && minute < mood.end;
  return minute >= mood.start || minute < mood.end;
}

const mood_config* mood_at(const std::vector<mood_config>& moods, minute_of_day minute) {
  const mood_config* first_waking = nullptr;
  for (const auto& mood : moods) {
    if (!mood_covers(mood, minute % minutes_per_day)) continue;
    if (mood.sleep) return &mood;
    if (first_waking == nullptr) first_waking = &mood;
  }
  return first_waking;
}

std::vector<activity_config> default_activities() {
  return {counted_activity("follow", "follow.js", {5, 15}),
          counted_activity("unfollow", "unfollow.js", {5, 20}),
          timed_activity("reels", "reels.js", {120, 600}),
          timed_activity("stories", "stories.js", {60, 240})};
}

std::map<std::string, job_config> default_jobs() {
  return {{"plan", job_config{true, 3'600'000, 5}},
          {"reply", job_config{true, 900'000, 5, 900'000}},
          {"posting", job_config{true, 60'000, 5}},
          {"collect", job_config{true, 14'400'000, 5}},
          {"learn", job_config{true, 3'600'000, 5}},
          {"harvest", job_config{true, 900'000, 5}},
          {"schedule", job_config{true, 600'000, 5}},
          {"execute", job_config{true, 60'000, 5}},
          {"monitor", job_config{true, 60'000, 5}},
          {"cleanup", job_config{true, 3'600'000, 5}}};
}

bool job_takes_batch(const std::string& name) { return name == "posting" || name == "execute"; }

std::vector<content_arm_config> default_content_arms() {
  return {{"craft-tip", "craft", "tip"},
          {"tools-question", "tools", "question"},
          {"community-story", "community", "story"},
          {"behind-opinion", "behind-the-scenes", "opinion"},
          {"tools-tip", "tools", "tip"},
          {"craft-story", "craft", "story"}};
}

std::vector<mood_config> default_moods() {
  mood_config sleep;
  sleep.name = "Sleep";
  sleep.start = at(1, 0);
  sleep.end = at(7, 30);
  sleep.sleep = true;
  return {waking_mood("MorningRush", at(7, 0), at(11, 0), 0.8, 1.5,
                      {{"follow", 1.2}, {"unfollow", 1.0}, {"reels", 1.0}, {"stories", 1.0}}),
          waking_mood("DayDrift", at(11, 0), at(17, 0), 1.0, 1.0,
                      {{"follow", 1.0}, {"unfollow", 1.0}, {"reels", 1.2}, {"stories", 1.0}}),
          waking_mood("EveningSpree", at(17, 0), at(22, 30), 1.3, 1.0,
                      {{"follow", 0.9}, {"unfollow", 1.0}, {"reels", 1.3}, {"stories", 1.5}}),
          waking_mood("LateNightLurk", at(22, 30), at(1, 0), 1.5, 0.5,
                      {{"follow", 0.7}, {"unfollow", 1.5}, {"reels", 1.0}, {"stories", 0.8}}),
          sleep};
}

const activity_config* troupe_config::find_activity(const std::string& name) const {
  for (const auto& activity : activities) {
    if (activity.name == name) return &activity;
  }
  return nullptr;
}

std::int64_t session_timeout_ms(const activity_config& activity) {
  if (activity.timeout_ms > 0) return activity.timeout_ms;
  if (activity.seconds) return activity.seconds->max * 1000 * 2 + 120'000;
  return 900'000;
}

}  // namespace troupe::config
