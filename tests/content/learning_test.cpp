// The learning policy: the outcome of a post (engagement rate, reward,
// success), the features of a decision, the deterministic holdout, ridge and
// logistic regressions recovering the coefficients that generated synthetic
// data, the trained pair and its JSON form, and the simulated audience.
#include "runtime/content/learning.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

using namespace troupe::content;

namespace {

using coefficients = std::vector<double>;

double dot(const coefficients& beta, const std::vector<double>& x) {
  double sum = 0.0;
  for (std::size_t i = 0; i < beta.size(); ++i) sum += beta[i] * x[i];
  return sum;
}

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// Features uniform in [0, 1), replies half of the time.
std::vector<double> random_features(std::mt19937_64& random) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  decision_features features;
  features.quality = unit(random);
  features.uniqueness = unit(random);
  features.length_ratio = unit(random);
  features.is_reply = unit(random) < 0.5;
  return feature_vector(features);
}

// Samples whose er is beta·x plus Gaussian noise.
std::vector<training_sample> linear_samples(const coefficients& beta, double noise_sd, int count,
                                            std::uint64_t seed) {
  std::mt19937_64 random{seed};
  std::normal_distribution<double> noise(0.0, noise_sd);
  std::vector<training_sample> samples;
  for (int i = 0; i < count; ++i) {
    auto x = random_features(random);
    const double er = dot(beta, x) + noise(random);
    samples.push_back({std::move(x), er});
  }
  return samples;
}

// Samples labelled success with probability sigmoid(beta·x); the label is
// carried by er = success_er (a success) or 0.
std::vector<training_sample> bernoulli_samples(const coefficients& beta, int count,
                                               std::uint64_t seed) {
  std::mt19937_64 random{seed};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<training_sample> samples;
  for (int i = 0; i < count; ++i) {
    auto x = random_features(random);
    const bool success = unit(random) < sigmoid(dot(beta, x));
    samples.push_back({std::move(x), success ? success_er : 0.0});
  }
  return samples;
}

struct split_samples {
  std::vector<training_sample> fitted;
  std::vector<training_sample> held_out;
};

split_samples split(const std::vector<training_sample>& samples) {
  split_samples parts;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    (in_holdout(i, samples.size()) ? parts.held_out : parts.fitted).push_back(samples[i]);
  }
  return parts;
}

double largest_error(const linear_model& model, const coefficients& truth) {
  REQUIRE(model.coefficients.size() == truth.size());
  double largest = 0.0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    largest = std::max(largest, std::abs(model.coefficients[i] - truth[i]));
  }
  return largest;
}

double success_share(const std::vector<training_sample>& samples) {
  const auto successes = std::count_if(samples.begin(), samples.end(),
                                       [](const training_sample& s) { return is_success(s.er); });
  return static_cast<double>(successes) / static_cast<double>(samples.size());
}

bool all_finite(const linear_model& model) {
  return std::all_of(model.coefficients.begin(), model.coefficients.end(),
                     [](double c) { return std::isfinite(c); });
}

decision_features features_of(double quality, double uniqueness) {
  decision_features features;
  features.quality = quality;
  features.uniqueness = uniqueness;
  features.length_ratio = 0.5;
  return features;
}

double mean_simulated_er(const std::string& arm, const decision_features& features,
                         std::uint64_t seed, int posts) {
  double sum = 0.0;
  for (int i = 0; i < posts; ++i) {
    sum += engagement_rate(simulated_metrics("decision-" + std::to_string(i), arm, features, seed));
  }
  return sum / posts;
}

}  // namespace

// ---- outcome, reward, label --------------------------------------------------

TEST_CASE("the engagement rate is engagements per impression and 0 before any impression",
          "[learning]") {
  const post_metrics seen{1000, 12, 3, 2, 2, 1};
  CHECK(engagement_rate(seen) == Approx(20.0 / 1000.0));
  CHECK(engagement_rate(post_metrics{}) == 0.0);
  CHECK(engagement_rate(post_metrics{0, 5, 1, 0, 0, 0}) == 0.0);
  CHECK(engagement_rate(post_metrics{-3, 5, 1, 0, 0, 0}) == 0.0);
}

TEST_CASE("the reward is the engagement rate over 0.05 clamped to [0, 1]", "[learning]") {
  CHECK(reward_of(0.0) == 0.0);
  CHECK(reward_of(0.025) == Approx(0.5));
  CHECK(reward_of(reward_full_er) == 1.0);
  CHECK(reward_of(0.2) == 1.0);
  CHECK(reward_of(-0.01) == 0.0);
}

TEST_CASE("a post is a success from an engagement rate of 0.02", "[learning]") {
  CHECK(is_success(success_er));
  CHECK(is_success(0.05));
  CHECK_FALSE(is_success(0.0199));
  CHECK_FALSE(is_success(0.0));
}

TEST_CASE("the feature vector leads with 1 for the intercept and every entry has a name",
          "[learning]") {
  decision_features features;
  features.quality = 0.8;
  features.uniqueness = 0.3;
  features.length_ratio = 140.0 / 280.0;
  features.is_reply = true;
  const std::vector<double> x = feature_vector(features);
  CHECK(x == std::vector<double>{1.0, 0.8, 0.3, 0.5, 1.0});
  CHECK(feature_names() ==
        std::vector<std::string>{"intercept", "quality", "uniqueness", "length_ratio", "is_reply"});
  features.is_reply = false;
  CHECK(feature_vector(features).back() == 0.0);
}

TEST_CASE("every 5th sample is held out and none of fewer than 10 samples", "[learning]") {
  CHECK_FALSE(in_holdout(3, 10));
  CHECK(in_holdout(4, 10));
  CHECK(in_holdout(9, 10));
  CHECK_FALSE(in_holdout(5, 10));
  CHECK(in_holdout(1004, 2000));
  CHECK_FALSE(in_holdout(4, 9));
  CHECK_FALSE(in_holdout(0, 1));
}

// ---- ridge regression ----------------------------------------------------------

TEST_CASE("ridge regression recovers known coefficients within 0.002 from 2000 noisy samples",
          "[learning][ridge]") {
  // The noise (sd 0.002) is a tenth of the spread of the signal, so the
  // coefficients' standard errors are about 0.0005 at most.
  const coefficients truth = {0.01, 0.04, 0.01, -0.005, 0.008};
  const split_samples parts = split(linear_samples(truth, 0.002, 2000, 20240601));
  REQUIRE(parts.held_out.size() == 400);
  const linear_model model = fit_ridge(parts.fitted);
  CHECK(largest_error(model, truth) <= 0.002);
  // Signal variance ~1.6e-4 against noise variance 4e-6: R² ~0.97 expected.
  CHECK(r_squared(model, parts.held_out) > 0.9);
}

TEST_CASE("ridge regression shrinks the effects but never the intercept", "[learning][ridge]") {
  // With a penalty that dwarfs the data every effect goes to 0, and the best
  // intercept left is the mean engagement rate.
  const auto samples = linear_samples({0.03, 0.04, 0.0, 0.0, 0.0}, 0.0, 500, 7);
  double mean_er = 0.0;
  for (const auto& sample : samples) mean_er += sample.er;
  mean_er /= static_cast<double>(samples.size());
  const linear_model model = fit_ridge(samples, 1e9);
  REQUIRE(model.coefficients.size() == 5);
  CHECK(model.coefficients[0] == Approx(mean_er).margin(1e-6));
  for (std::size_t i = 1; i < 5; ++i) CHECK(std::abs(model.coefficients[i]) < 1e-6);
}

TEST_CASE("a ridge fit without samples is empty and predicts 0", "[learning][ridge]") {
  const linear_model model = fit_ridge({});
  CHECK(model.coefficients.empty());
  CHECK(predict(model, {1.0, 0.5}) == 0.0);
}

TEST_CASE("r squared is 1 for an exact model and 0 without samples or spread", "[learning]") {
  const linear_model model{{0.01, 0.02}};
  const std::vector<training_sample> exact = {{{1.0, 0.0}, 0.01}, {{1.0, 1.0}, 0.03}};
  CHECK(r_squared(model, exact) == Approx(1.0));
  CHECK(r_squared(model, {}) == 0.0);
  const std::vector<training_sample> flat = {{{1.0, 0.0}, 0.02}, {{1.0, 1.0}, 0.02}};
  CHECK(r_squared(model, flat) == 0.0);
  // Predicting 0.01 too much everywhere: SSres = 2 x 1e-4, SStot = 2 x 1e-4.
  const std::vector<training_sample> shifted = {{{1.0, 0.0}, 0.0}, {{1.0, 1.0}, 0.02}};
  CHECK(r_squared(model, shifted) == Approx(0.0).margin(1e-12));
}

// ---- logistic regression -------------------------------------------------------

TEST_CASE("logistic regression recovers known coefficients within 0.15 from 20000 labels",
          "[learning][logistic]") {
  // 16000 fitted labels give standard errors of about 0.06 (intercept) and
  // 0.04 to 0.07 (effects), so 0.15 is more than twice the largest.
  const coefficients truth = {-1.0, 2.0, 1.0, -0.5, 0.7};
  const split_samples parts = split(bernoulli_samples(truth, 20000, 424242));
  const linear_model model = fit_logistic(parts.fitted);
  CHECK(largest_error(model, truth) <= 0.15);

  // The constant model predicts the fitted base rate for every sample.
  const double base_rate = success_share(parts.fitted);
  const double held_out_rate = success_share(parts.held_out);
  const double constant_loss =
      -(held_out_rate * std::log(base_rate) + (1.0 - held_out_rate) * std::log(1.0 - base_rate));
  CHECK(log_loss(model, parts.held_out) < constant_loss);
}

TEST_CASE("logistic regression on perfectly separable data stays finite and separates",
          "[learning][logistic]") {
  std::mt19937_64 random{99};
  std::vector<training_sample> samples;
  for (int i = 0; i < 400; ++i) {
    auto x = random_features(random);
    const bool success = x[1] > 0.5;  // quality alone decides
    samples.push_back({std::move(x), success ? success_er : 0.0});
  }
  const linear_model model = fit_logistic(samples);
  REQUIRE(all_finite(model));
  for (const auto& sample : samples) {
    CHECK((predict_probability(model, sample.x) > 0.5) == is_success(sample.er));
  }
}

TEST_CASE("logistic regression on a single label stops its intercept near the clip",
          "[learning][logistic]") {
  // Every label a success: only the unpenalised intercept can grow, and the
  // clipped loss is flat once sigmoid(intercept) reaches 1 - probability_clip,
  // i.e. beyond ln(1 / probability_clip) ~ 27.6. Newton steps here are ~1 long.
  std::mt19937_64 random{5};
  std::vector<training_sample> samples;
  for (int i = 0; i < 50; ++i) samples.push_back({random_features(random), 0.04});
  const linear_model model = fit_logistic(samples, 1e-3, 1000);
  REQUIRE(all_finite(model));
  CHECK(model.coefficients[0] >= std::log(1.0 / probability_clip) - 1.0);
  CHECK(model.coefficients[0] <= std::log(1.0 / probability_clip) + 1.5);
  CHECK(log_loss(model, samples) < 1e-6);
}

TEST_CASE("predicted probabilities are clipped away from 0 and 1", "[learning][logistic]") {
  const linear_model model{{1000.0}};
  CHECK(predict_probability(model, {1.0}) == 1.0 - probability_clip);
  CHECK(predict_probability(model, {-1.0}) == probability_clip);
  CHECK(std::isfinite(log_loss(model, {{{-1.0}, success_er}})));
}

TEST_CASE("the log loss is 0 without samples and ln 2 for a model that knows nothing",
          "[learning][logistic]") {
  CHECK(log_loss(linear_model{}, {}) == 0.0);
  const std::vector<training_sample> samples = {{{1.0}, success_er}, {{1.0}, 0.0}};
  CHECK(log_loss(linear_model{}, samples) == Approx(std::log(2.0)));
}

// ---- the trained pair ----------------------------------------------------------

TEST_CASE("predictors are trained only from min_samples samples", "[learning][predictors]") {
  const auto samples = linear_samples({0.01, 0.04, 0.01, -0.005, 0.008}, 0.002, 19, 1);
  CHECK_FALSE(train_predictors(samples, 20).has_value());
  CHECK(train_predictors(samples, 19).has_value());
  CHECK_FALSE(train_predictors({}, 0).has_value());
}

TEST_CASE("predictors are fitted without every 5th sample and scored on those",
          "[learning][predictors]") {
  const auto samples = linear_samples({0.01, 0.04, 0.01, -0.005, 0.008}, 0.004, 100, 2);
  const split_samples parts = split(samples);
  const trained_predictors predictors = train_predictors(samples, 50).value();
  CHECK(predictors.samples == 100);
  CHECK(predictors.holdout_samples == 20);
  CHECK(predictors.engagement.coefficients == fit_ridge(parts.fitted).coefficients);
  CHECK(predictors.success.coefficients == fit_logistic(parts.fitted).coefficients);
  CHECK(predictors.holdout_r2 == r_squared(predictors.engagement, parts.held_out));
  CHECK(predictors.holdout_log_loss == log_loss(predictors.success, parts.held_out));
}

TEST_CASE("predictors of fewer than 10 samples are scored on the samples they were fitted on",
          "[learning][predictors]") {
  const auto samples = linear_samples({0.01, 0.04, 0.01, -0.005, 0.008}, 0.004, 9, 3);
  const trained_predictors predictors = train_predictors(samples, 5).value();
  CHECK(predictors.holdout_samples == 0);
  CHECK(predictors.engagement.coefficients == fit_ridge(samples).coefficients);
  CHECK(predictors.holdout_r2 == r_squared(predictors.engagement, samples));
  CHECK(predictors.holdout_log_loss == log_loss(predictors.success, samples));
}

TEST_CASE("predictors survive a JSON round trip", "[learning][predictors]") {
  const auto samples = linear_samples({0.01, 0.04, 0.01, -0.005, 0.008}, 0.004, 300, 4);
  const trained_predictors original = train_predictors(samples, 10).value();
  const std::string text = predictors_to_json(original);
  const trained_predictors copy = predictors_from_json(text).value();
  // Boost 1.81's parser may miss by an ulp or two, so "equal" is relative 1e-15.
  const auto same_numbers = [](const linear_model& a, const linear_model& b) {
    REQUIRE(a.coefficients.size() == b.coefficients.size());
    for (std::size_t i = 0; i < a.coefficients.size(); ++i) {
      CHECK(b.coefficients[i] == Approx(a.coefficients[i]).epsilon(1e-15).margin(0.0));
    }
  };
  same_numbers(original.engagement, copy.engagement);
  same_numbers(original.success, copy.success);
  CHECK(copy.samples == original.samples);
  CHECK(copy.holdout_samples == original.holdout_samples);
  CHECK(copy.holdout_r2 == Approx(original.holdout_r2).epsilon(1e-15));
  CHECK(copy.holdout_log_loss == Approx(original.holdout_log_loss).epsilon(1e-15));
  CHECK(predictors_to_json(copy).find("\"features\":[\"intercept\",\"quality\"") !=
        std::string::npos);
}

TEST_CASE("predictors are not read from JSON of other features or of another shape",
          "[learning][predictors]") {
  const std::string ours =
      R"({"features":["intercept","quality","uniqueness","length_ratio","is_reply"],)"
      R"("engagement":[0.01,0.04,0.01,-0.005,0],"success":[-1,2,1,-0.5,0.7]})";
  const auto read = predictors_from_json(ours);
  REQUIRE(read.has_value());
  CHECK(read->success.coefficients == std::vector<double>{-1.0, 2.0, 1.0, -0.5, 0.7});
  CHECK(read->samples == 0);

  const std::string renamed =
      R"({"features":["intercept","quality","uniqueness","length","is_reply"],)"
      R"("engagement":[0.01,0.04,0.01,-0.005,0],"success":[-1,2,1,-0.5,0.7]})";
  CHECK_FALSE(predictors_from_json(renamed).has_value());
  const std::string short_model =
      R"({"features":["intercept","quality","uniqueness","length_ratio","is_reply"],)"
      R"("engagement":[0.01,0.04],"success":[-1,2,1,-0.5,0.7]})";
  CHECK_FALSE(predictors_from_json(short_model).has_value());
  const std::string text_coefficient =
      R"({"features":["intercept","quality","uniqueness","length_ratio","is_reply"],)"
      R"("engagement":[0.01,0.04,0.01,-0.005,"0"],"success":[-1,2,1,-0.5,0.7]})";
  CHECK_FALSE(predictors_from_json(text_coefficient).has_value());
  CHECK_FALSE(predictors_from_json("{\"features\":").has_value());
  CHECK_FALSE(predictors_from_json("[]").has_value());
}

// ---- the simulated audience ----------------------------------------------------

TEST_CASE("simulated metrics are the same for the same inputs", "[learning][simulation]") {
  const decision_features features = features_of(0.7, 0.4);
  for (int i = 0; i < 20; ++i) {
    const std::string id = "decision-" + std::to_string(i);
    const post_metrics a = simulated_metrics(id, "how-to", features, 11);
    const post_metrics b = simulated_metrics(id, "how-to", features, 11);
    CHECK(a.impressions == b.impressions);
    CHECK(engagement_rate(a) == engagement_rate(b));
    CHECK(a.likes == b.likes);
    CHECK(a.quotes == b.quotes);
  }
}

TEST_CASE("simulated metrics differ across seeds and decision ids", "[learning][simulation]") {
  const decision_features features = features_of(0.7, 0.4);
  int seeds_differ = 0;
  int ids_differ = 0;
  for (int i = 0; i < 20; ++i) {
    const std::string id = "decision-" + std::to_string(i);
    const post_metrics base = simulated_metrics(id, "how-to", features, 11);
    const post_metrics other_seed = simulated_metrics(id, "how-to", features, 12);
    const post_metrics other_id = simulated_metrics(id + "-b", "how-to", features, 11);
    seeds_differ += engagement_rate(base) != engagement_rate(other_seed) ? 1 : 0;
    ids_differ += engagement_rate(base) != engagement_rate(other_id) ? 1 : 0;
  }
  // A coincidence needs equal impressions and equal engagement counts.
  CHECK(seeds_differ >= 18);
  CHECK(ids_differ >= 18);
}

TEST_CASE("simulated metrics stay in the documented ranges and their parts add up",
          "[learning][simulation]") {
  std::mt19937_64 random{31};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int i = 0; i < 500; ++i) {
    const post_metrics metrics =
        simulated_metrics("decision-" + std::to_string(i), "arm-" + std::to_string(i % 7),
                          features_of(unit(random), unit(random)), 5);
    REQUIRE(metrics.impressions >= 500);
    REQUIRE(metrics.impressions <= 5000);
    const double er = engagement_rate(metrics);
    CHECK(er >= 0.0);
    CHECK(er <= 0.2);
    // 60/15/10/10/5 %, each of the first four rounded down.
    const std::int64_t engagements =
        metrics.likes + metrics.retweets + metrics.replies + metrics.bookmarks + metrics.quotes;
    CHECK(metrics.likes == static_cast<std::int64_t>(std::floor(0.60 * engagements)));
    CHECK(metrics.retweets == static_cast<std::int64_t>(std::floor(0.15 * engagements)));
    CHECK(metrics.quotes >= 0);
  }
}

TEST_CASE("a simulated engagement rate is clamped to [0, 0.2]", "[learning][simulation]") {
  for (int i = 0; i < 50; ++i) {
    const std::string id = "decision-" + std::to_string(i);
    const post_metrics high = simulated_metrics(id, "how-to", features_of(10.0, 1.0), 3);
    const post_metrics low = simulated_metrics(id, "how-to", features_of(-10.0, 0.0), 3);
    // Rounding to whole engagements moves the rate by at most 0.5 / impressions.
    CHECK(engagement_rate(high) == Approx(0.2).margin(0.5 / high.impressions));
    CHECK(engagement_rate(low) == 0.0);
  }
}

TEST_CASE("higher quality gives a higher mean simulated engagement rate over 500 ids",
          "[learning][simulation]") {
  // The model adds 0.04 per unit of quality: 0.024 between 0.2 and 0.8. The
  // mean of 500 posts with noise sd 0.003 misses by about 0.00015.
  const double low = mean_simulated_er("how-to", features_of(0.2, 0.5), 8, 500);
  const double high = mean_simulated_er("how-to", features_of(0.8, 0.5), 8, 500);
  CHECK(high - low == Approx(0.024).margin(0.002));
}

TEST_CASE("an arm's simulated effect is within 0.01 either way and the same in every simulation",
          "[learning][simulation]") {
  // Quality and uniqueness 0.5 put the target at 0.035 before the arm's
  // effect, far from the clamps.
  const std::vector<std::string> arms = {"how-to", "story", "hot-take", "question", "news"};
  std::vector<double> effects;
  for (const auto& arm : arms) {
    const double first = mean_simulated_er(arm, features_of(0.5, 0.5), 1, 1000);
    const double second = mean_simulated_er(arm, features_of(0.5, 0.5), 2, 1000);
    INFO(arm << ": mean er " << first << " and " << second);
    CHECK(first - 0.035 >= -0.0105);
    CHECK(first - 0.035 <= 0.0105);
    CHECK(second == Approx(first).margin(0.001));
    effects.push_back(first - 0.035);
  }
  const auto [smallest, largest] = std::minmax_element(effects.begin(), effects.end());
  CHECK(*largest - *smallest > 0.002);  // the arms are not all alike
}
