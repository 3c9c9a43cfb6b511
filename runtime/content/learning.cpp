#include "runtime/content/learning.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <utility>

#include "runtime/policy/rng.hpp"

namespace troupe::content {
namespace {

namespace json = boost::json;

// ---- the regressions in matrix form ------------------------------------------

// Every sample's x, read against the first sample's width.
Eigen::MatrixXd design_matrix(const std::vector<training_sample>& samples) {
  const std::size_t width = samples.empty() ? 0 : samples.front().x.size();
  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(samples.size()),
                                            static_cast<Eigen::Index>(width));
  for (std::size_t row = 0; row < samples.size(); ++row) {
    const std::size_t used = std::min(width, samples[row].x.size());
    for (std::size_t column = 0; column < used; ++column) {
      x(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(column)) = samples[row].x[column];
    }
  }
  return x;
}

Eigen::VectorXd engagement_rates(const std::vector<training_sample>& samples) {
  Eigen::VectorXd rates(static_cast<Eigen::Index>(samples.size()));
  for (std::size_t i = 0; i < samples.size(); ++i) {
    rates(static_cast<Eigen::Index>(i)) = samples[i].er;
  }
  return rates;
}

Eigen::VectorXd success_labels(const std::vector<training_sample>& samples) {
  Eigen::VectorXd labels(static_cast<Eigen::Index>(samples.size()));
  for (std::size_t i = 0; i < samples.size(); ++i) {
    labels(static_cast<Eigen::Index>(i)) = is_success(samples[i].er) ? 1.0 : 0.0;
  }
  return labels;
}

// The diagonal of lambda·D: lambda for every coefficient but the intercept.
Eigen::VectorXd penalty_diagonal(Eigen::Index width, double lambda) {
  Eigen::VectorXd penalty = Eigen::VectorXd::Constant(width, std::max(lambda, 0.0));
  if (width > 0) penalty(0) = 0.0;
  return penalty;
}

linear_model model_of(const Eigen::VectorXd& beta) {
  return {std::vector<double>(beta.data(), beta.data() + beta.size())};
}

// ---- logistic pieces ---------------------------------------------------------

double clipped(double probability) {
  return std::clamp(probability, probability_clip, 1.0 - probability_clip);
}

// exp(-z) may overflow to infinity for very negative z; 1 / (1 + inf) is 0,
// which the clip then lifts, so no NaN can appear.
double clipped_sigmoid(double z) { return clipped(1.0 / (1.0 + std::exp(-z))); }

double label_loss(double probability, double label) {
  return -(label * std::log(probability) + (1.0 - label) * std::log(1.0 - probability));
}

Eigen::VectorXd probabilities(const Eigen::MatrixXd& x, const Eigen::VectorXd& beta) {
  return (x * beta).unaryExpr([](double z) { return clipped_sigmoid(z); });
}

// The summed log loss plus the L2 penalty: what the Newton steps lower.
double penalised_loss(const Eigen::MatrixXd& x, const Eigen::VectorXd& labels,
                      const Eigen::VectorXd& penalty, const Eigen::VectorXd& beta) {
  const Eigen::VectorXd p = probabilities(x, beta);
  double loss = 0.0;
  for (Eigen::Index i = 0; i < labels.size(); ++i) loss += label_loss(p(i), labels(i));
  return loss + 0.5 * penalty.dot(beta.cwiseProduct(beta));
}

// The full Newton step -H⁻¹g of the penalised loss at beta. The clipped
// probabilities keep every IRLS weight p(1 - p) above zero.
Eigen::VectorXd newton_step(const Eigen::MatrixXd& x, const Eigen::VectorXd& labels,
                            const Eigen::VectorXd& penalty, const Eigen::VectorXd& beta) {
  const Eigen::VectorXd p = probabilities(x, beta);
  const Eigen::VectorXd weights = p.cwiseProduct(Eigen::VectorXd::Ones(p.size()) - p);
  const Eigen::VectorXd gradient = x.transpose() * (p - labels) + penalty.cwiseProduct(beta);
  Eigen::MatrixXd hessian = x.transpose() * weights.asDiagonal() * x;
  hessian.diagonal() += penalty;
  return -hessian.ldlt().solve(gradient);
}

constexpr int max_step_halvings = 30;
constexpr double converged_step = 1e-8;

// Returns the largest of step, step/2, step/4, ... that lowers the penalised
// loss, or nullopt when none does (at the optimum, or where the clipped loss
// is flat) or the step is not finite.
std::optional<Eigen::VectorXd> damped_step(const Eigen::MatrixXd& x, const Eigen::VectorXd& labels,
                                           const Eigen::VectorXd& penalty,
                                           const Eigen::VectorXd& beta, Eigen::VectorXd step) {
  if (!step.allFinite()) return std::nullopt;
  const double current = penalised_loss(x, labels, penalty, beta);
  for (int halving = 0; halving <= max_step_halvings; ++halving, step *= 0.5) {
    if (penalised_loss(x, labels, penalty, beta + step) < current) return step;
  }
  return std::nullopt;
}

// ---- JSON --------------------------------------------------------------------

json::array json_numbers(const std::vector<double>& numbers) {
  json::array array;
  for (const double number : numbers) array.push_back(number);
  return array;
}

json::array json_strings(const std::vector<std::string>& strings) {
  json::array array;
  for (const auto& text : strings) array.push_back(json::string(text));
  return array;
}

std::optional<double> number_of(const json::value& value) {
  if (!value.is_number()) return std::nullopt;
  boost::system::error_code failure;
  const double number = value.to_number<double>(failure);
  if (failure) return std::nullopt;
  return number;
}

std::optional<std::vector<double>> numbers_at(const json::object& object, const char* key,
                                              std::size_t expected_size) {
  const auto* field = object.if_contains(key);
  if (field == nullptr || !field->is_array() || field->as_array().size() != expected_size) {
    return std::nullopt;
  }
  std::vector<double> numbers;
  for (const auto& element : field->as_array()) {
    const auto number = number_of(element);
    if (!number) return std::nullopt;
    numbers.push_back(*number);
  }
  return numbers;
}

bool has_our_features(const json::object& object) {
  const auto* field = object.if_contains("features");
  if (field == nullptr || !field->is_array()) return false;
  const std::vector<std::string> expected = feature_names();
  const json::array& names = field->as_array();
  if (names.size() != expected.size()) return false;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!names[i].is_string() || names[i].as_string() != expected[i]) return false;
  }
  return true;
}

// The optional scores: 0 when absent or not a number.
double score_at(const json::object& object, const char* key) {
  const auto* field = object.if_contains(key);
  return field == nullptr ? 0.0 : number_of(*field).value_or(0.0);
}

std::size_t count_at(const json::object& object, const char* key) {
  const auto* field = object.if_contains(key);
  if (field == nullptr) return 0;
  if (field->is_uint64()) return static_cast<std::size_t>(field->as_uint64());
  if (field->is_int64() && field->as_int64() > 0)
    return static_cast<std::size_t>(field->as_int64());
  return 0;
}

// ---- the simulated audience ----------------------------------------------------

constexpr std::int64_t fewest_impressions = 500;
constexpr std::int64_t most_impressions = 5000;
constexpr double base_er = 0.01;
constexpr double er_per_quality = 0.04;
constexpr double er_per_uniqueness = 0.01;
constexpr double largest_arm_effect = 0.01;
constexpr double er_noise_sd = 0.003;
constexpr double highest_er = 0.2;

// Uniform in [-largest_arm_effect, +largest_arm_effect), from the name alone.
double arm_effect(const std::string& content_arm) {
  const double unit = static_cast<double>(policy::fnv1a_64(content_arm) >> 11) * 0x1.0p-53;
  return (2.0 * unit - 1.0) * largest_arm_effect;
}

// Splits `engagements` 60/15/10/10/5 %; rounding down the first four leaves
// quotes a non-negative remainder, so the parts always sum to `engagements`.
void split_engagements(std::int64_t engagements, post_metrics& metrics) {
  const auto share = [engagements](double fraction) {
    return static_cast<std::int64_t>(std::floor(fraction * static_cast<double>(engagements)));
  };
  metrics.likes = share(0.60);
  metrics.retweets = share(0.15);
  metrics.replies = share(0.10);
  metrics.bookmarks = share(0.10);
  metrics.quotes =
      engagements - metrics.likes - metrics.retweets - metrics.replies - metrics.bookmarks;
}

}  // namespace

double engagement_rate(const post_metrics& metrics) {
  if (metrics.impressions <= 0) return 0.0;
  const std::int64_t engagements =
      metrics.likes + metrics.retweets + metrics.replies + metrics.bookmarks + metrics.quotes;
  return static_cast<double>(engagements) / static_cast<double>(metrics.impressions);
}

double reward_of(double er) { return std::clamp(er / reward_full_er, 0.0, 1.0); }

bool is_success(double er) { return er >= success_er; }

decision_features features_from_scores(double quality, double closest_cosine, std::string_view text, bool is_reply) {
  return {quality, 1.0 - closest_cosine, static_cast<double>(text.size()) / 280.0, is_reply};
}

std::vector<std::string> feature_names() {
  return {"intercept", "quality", "uniqueness", "length_ratio", "is_reply"};
}

std::vector<double> feature_vector(const decision_features& features) {
  return {1.0, features.quality, features.uniqueness, features.length_ratio,
          features.is_reply ? 1.0 : 0.0};
}

bool in_holdout(std::size_t index, std::size_t sample_count) {
  return sample_count >= min_samples_for_holdout && index % 5 == 4;
}

linear_model fit_ridge(const std::vector<training_sample>& samples, double lambda) {
  if (samples.empty()) return {};
  const Eigen::MatrixXd x = design_matrix(samples);
  Eigen::MatrixXd normal = x.transpose() * x;
  normal.diagonal() += penalty_diagonal(x.cols(), lambda);
  return model_of(normal.ldlt().solve(x.transpose() * engagement_rates(samples)));
}

double predict(const linear_model& model, const std::vector<double>& x) {
  const std::size_t used = std::min(model.coefficients.size(), x.size());
  double sum = 0.0;
  for (std::size_t i = 0; i < used; ++i) sum += model.coefficients[i] * x[i];
  return sum;
}

double r_squared(const linear_model& model, const std::vector<training_sample>& samples) {
  if (samples.empty()) return 0.0;
  double mean = 0.0;
  for (const auto& sample : samples) mean += sample.er;
  mean /= static_cast<double>(samples.size());
  double residual_squares = 0.0;
  double total_squares = 0.0;
  for (const auto& sample : samples) {
    residual_squares += std::pow(sample.er - predict(model, sample.x), 2);
    total_squares += std::pow(sample.er - mean, 2);
  }
  return total_squares > 0.0 ? 1.0 - residual_squares / total_squares : 0.0;
}

linear_model fit_logistic(const std::vector<training_sample>& samples, double lambda,
                          int max_iterations) {
  if (samples.empty()) return {};
  const Eigen::MatrixXd x = design_matrix(samples);
  const Eigen::VectorXd labels = success_labels(samples);
  const Eigen::VectorXd penalty = penalty_diagonal(x.cols(), lambda);
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(x.cols());
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    const auto step = damped_step(x, labels, penalty, beta, newton_step(x, labels, penalty, beta));
    if (!step) break;
    beta += *step;
    if (step->norm() < converged_step) break;
  }
  return model_of(beta);
}

double predict_probability(const linear_model& model, const std::vector<double>& x) {
  return clipped_sigmoid(predict(model, x));
}

double log_loss(const linear_model& model, const std::vector<training_sample>& samples) {
  if (samples.empty()) return 0.0;
  double loss = 0.0;
  for (const auto& sample : samples) {
    loss += label_loss(predict_probability(model, sample.x), is_success(sample.er) ? 1.0 : 0.0);
  }
  return loss / static_cast<double>(samples.size());
}

std::optional<trained_predictors> train_predictors(const std::vector<training_sample>& samples,
                                                   std::size_t min_samples) {
  if (samples.empty() || samples.size() < min_samples) return std::nullopt;
  std::vector<training_sample> fitted;
  std::vector<training_sample> held_out;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    (in_holdout(i, samples.size()) ? held_out : fitted).push_back(samples[i]);
  }
  trained_predictors predictors;
  predictors.engagement = fit_ridge(fitted);
  predictors.success = fit_logistic(fitted);
  predictors.samples = samples.size();
  predictors.holdout_samples = held_out.size();
  const auto& scored = held_out.empty() ? fitted : held_out;
  predictors.holdout_r2 = r_squared(predictors.engagement, scored);
  predictors.holdout_log_loss = log_loss(predictors.success, scored);
  return predictors;
}

std::string predictors_to_json(const trained_predictors& predictors) {
  return json::serialize(json::object{
      {"features", json_strings(feature_names())},
      {"engagement", json_numbers(predictors.engagement.coefficients)},
      {"success", json_numbers(predictors.success.coefficients)},
      {"samples", static_cast<std::uint64_t>(predictors.samples)},
      {"holdout_samples", static_cast<std::uint64_t>(predictors.holdout_samples)},
      {"holdout_r2", predictors.holdout_r2},
      {"holdout_log_loss", predictors.holdout_log_loss},
  });
}

std::optional<trained_predictors> predictors_from_json(std::string_view text) {
  boost::system::error_code failure;
  const json::value parsed = json::parse(text, failure);
  if (failure || !parsed.is_object() || !has_our_features(parsed.as_object())) return std::nullopt;
  const json::object& object = parsed.as_object();
  const std::size_t width = feature_names().size();
  auto engagement = numbers_at(object, "engagement", width);
  auto success = numbers_at(object, "success", width);
  if (!engagement || !success) return std::nullopt;
  trained_predictors predictors;
  predictors.engagement.coefficients = std::move(*engagement);
  predictors.success.coefficients = std::move(*success);
  predictors.samples = count_at(object, "samples");
  predictors.holdout_samples = count_at(object, "holdout_samples");
  predictors.holdout_r2 = score_at(object, "holdout_r2");
  predictors.holdout_log_loss = score_at(object, "holdout_log_loss");
  return predictors;
}

post_metrics simulated_metrics(const std::string& decision_id, const std::string& content_arm,
                               const decision_features& features, std::uint64_t seed) {
  policy::rng random{policy::derive_seed(seed, decision_id)};
  post_metrics metrics;
  metrics.impressions = random.uniform_int(fewest_impressions, most_impressions);
  const double noise = er_noise_sd * policy::standard_normal(random);
  const double target =
      std::clamp(base_er + er_per_quality * features.quality +
                     er_per_uniqueness * features.uniqueness + arm_effect(content_arm) + noise,
                 0.0, highest_er);
  split_engagements(std::llround(target * static_cast<double>(metrics.impressions)), metrics);
  return metrics;
}

}  // namespace troupe::content
