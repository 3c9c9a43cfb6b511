// The learning policy of the content pipeline: what a post's outcome is
// worth (engagement rate, bandit reward, success label), the features of a
// decision, two predictors fitted on logged decisions (ridge regression of the
// engagement rate, L2-regularised logistic regression of success) with a
// deterministic holdout, their JSON form, and a simulated outcome model so
// shadow mode can learn end to end without a platform.
//
// Pure functions of their inputs: no I/O, no clocks, no globals; the simulated
// outcomes depend only on their arguments. Safe to call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::content {

// What the platform reports about one post.
struct post_metrics {
  std::int64_t impressions = 0;
  std::int64_t likes = 0;
  std::int64_t retweets = 0;
  std::int64_t replies = 0;
  std::int64_t bookmarks = 0;
  std::int64_t quotes = 0;
};

// Returns (likes + retweets + replies + bookmarks + quotes) / impressions, or
// 0 when impressions <= 0: a post nobody saw has earned nothing yet.
double engagement_rate(const post_metrics& metrics);

// The engagement rate that earns the full reward of 1.
inline constexpr double reward_full_er = 0.05;

// Returns clamp(er / reward_full_er, 0, 1): the reward in [0, 1] that a Beta
// arm (update_arm) and a UCB slot (update_slot) learn from.
double reward_of(double er);

// The engagement rate from which a post counts as a success.
inline constexpr double success_er = 0.02;

// Returns er >= success_er: the label the logistic model learns.
bool is_success(double er);

// What the predictors know about a decision before it is published.
struct decision_features {
  double quality = 0;       // the quality gate's score in [0, 1]
  double uniqueness = 0;    // 1 - the largest cosine similarity to recent content
  double length_ratio = 0;  // characters / 280
  bool is_reply = false;
};

// Returns the features of a decision from what its gate chain measured: the
// quality gate's score, the closest cosine to recent content (the
// uniqueness gate's score) and the text. The plan job predicts from these
// and the learn job trains on the same, read back from the stored features.
decision_features features_from_scores(double quality, double closest_cosine, std::string_view text, bool is_reply);

// Returns the names of the entries of feature_vector, in order:
// intercept, quality, uniqueness, length_ratio, is_reply.
std::vector<std::string> feature_names();

// Returns {1, quality, uniqueness, length_ratio, is_reply ? 1 : 0}; the
// leading 1 lets a model carry its intercept as an ordinary coefficient.
std::vector<double> feature_vector(const decision_features& features);

// A logged decision with its outcome: x is its feature_vector, er the
// engagement rate it earned.
struct training_sample {
  std::vector<double> x;
  double er = 0;
};

// Holdout splits below this many samples hold nothing out: a handful of
// samples is better spent on fitting than on a noisy score.
inline constexpr std::size_t min_samples_for_holdout = 10;

// Returns whether sample `index` of `sample_count` is held out for scoring:
// every 5th (index % 5 == 4), so the split is the same on every run, and
// none when sample_count < min_samples_for_holdout.
bool in_holdout(std::size_t index, std::size_t sample_count);

// A linear model over a feature vector: one coefficient per entry, the first
// for the intercept. A model reads a vector against its own width: missing
// entries count as 0, extra entries are ignored.
struct linear_model {
  std::vector<double> coefficients;
};

// Returns the ridge regression of er on x: the solution of
// (XᵀX + lambda·D)β = Xᵀy, where D is the identity except 0 for the
// intercept, so the penalty shrinks effects but not the base rate. The width
// is that of the first sample; an empty model without samples. lambda < 0
// is read as 0.
linear_model fit_ridge(const std::vector<training_sample>& samples, double lambda = 1e-3);

// Returns β·x, the predicted engagement rate (0 for an empty model).
double predict(const linear_model& model, const std::vector<double>& x);

// Returns the coefficient of determination 1 - SSres / SStot of the model's
// predictions of er on `samples`; 0 without samples or when every er is equal
// (SStot == 0), where the score says nothing.
double r_squared(const linear_model& model, const std::vector<training_sample>& samples);

// Probabilities are clipped to [clip, 1 - clip] so that logarithms stay
// finite on any data.
inline constexpr double probability_clip = 1e-12;

// Returns the logistic regression of is_success(er) on x: Newton steps (IRLS)
// on the summed log loss plus lambda/2·|β|² over every coefficient but the
// intercept (the scale of fit_ridge's lambda), each step halved until it
// lowers that objective. Stops when a step is shorter than 1e-8, when no
// halving lowers the objective, or after max_iterations. Probabilities are
// clipped (probability_clip), so nothing turns NaN; the penalty keeps the
// coefficients finite on separable data, and the unpenalised intercept, when
// every label is equal, stops about where its probability reaches the clip
// (|intercept| ~ 28), as the clipped loss is flat beyond. Same width rules
// as fit_ridge.
linear_model fit_logistic(const std::vector<training_sample>& samples, double lambda = 1e-3,
                          int max_iterations = 50);

// Returns sigmoid(β·x), clipped to [probability_clip, 1 - probability_clip]:
// the predicted probability that the decision is a success.
double predict_probability(const linear_model& model, const std::vector<double>& x);

// Returns the mean negative log-likelihood of the success labels of `samples`
// under the model's clipped probabilities; 0 without samples.
double log_loss(const linear_model& model, const std::vector<training_sample>& samples);

// Both predictors and how well they did on samples they were not fitted on.
struct trained_predictors {
  linear_model engagement;  // ridge regression of the engagement rate
  linear_model success;     // logistic regression of is_success
  std::size_t samples = 0;  // all samples, fitted and held out
  std::size_t holdout_samples = 0;
  double holdout_r2 = 0;        // r_squared of `engagement`
  double holdout_log_loss = 0;  // log_loss of `success`
};

// Returns both predictors fitted with the default lambdas on the samples
// outside the holdout (in_holdout) and scored on the holdout; without a
// holdout (fewer than min_samples_for_holdout samples) they are scored on the
// samples they were fitted on, so the scores are optimistic. Returns nullopt
// without samples or with fewer than min_samples.
std::optional<trained_predictors> train_predictors(const std::vector<training_sample>& samples,
                                                   std::size_t min_samples);

// Returns the predictors as JSON: {"features":[feature_names...],
// "engagement":[coefficients...],"success":[coefficients...],"samples":n,
// "holdout_samples":n,"holdout_r2":x,"holdout_log_loss":x}. Numbers are
// written in their shortest exact form.
std::string predictors_to_json(const trained_predictors& predictors);

// Returns the predictors read from predictors_to_json's form, or nullopt when
// the text is not that form or its features are not feature_names() (the
// coefficients would then mean other things). The four counts and scores are
// optional (0 when absent). Boost 1.81's parser may miss a coefficient by one
// or two units in the last place.
std::optional<trained_predictors> predictors_from_json(std::string_view text);

// Returns the metrics of a post under a simulated audience, deterministic in
// its arguments:
//  - a generator seeded by policy::derive_seed(seed, decision_id) (FNV-1a 64
//    of the id xor the seed, through splitmix64) draws impressions uniform in
//    [500, 5000] and then noise ~ N(0, 0.003);
//  - the arm's effect is uniform in [-0.01, +0.01] from the FNV-1a 64 hash of
//    the arm's name alone, so an arm is as good in every simulation;
//  - target er = clamp(0.01 + 0.04·quality + 0.01·uniqueness + arm effect +
//    noise, 0, 0.2);
//  - engagements = round(target · impressions), split 60/15/10/10/5 % into
//    likes, retweets, replies, bookmarks and quotes (each rounded down, quotes
//    take the remainder), so engagement_rate(result) is within 0.5 /
//    impressions of the target.
post_metrics simulated_metrics(const std::string& decision_id, const std::string& content_arm,
                               const decision_features& features, std::uint64_t seed);

}  // namespace troupe::content
