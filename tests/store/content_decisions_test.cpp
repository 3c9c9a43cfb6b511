#include "runtime/store/content_decisions.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "tests/store/decision_rows.hpp"
#include "tests/store/scratch_database.hpp"
#include "tests/support/fixed_time.hpp"

using namespace troupe::store;
using Catch::Matchers::Contains;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

content_decision decision_of(const std::string& id, const std::string& account_id,
                             decision_status status = decision_status::queued) {
  content_decision decision;
  decision.decision_id = id;
  decision.account_id = account_id;
  decision.content = "text of " + id;
  decision.status = status;
  if (status == decision_status::skipped) decision.skip_reason = "quality 0.4 < 0.7";
  return decision;
}

std::vector<std::string> ids_of(const std::vector<content_decision>& decisions) {
  std::vector<std::string> ids;
  for (const auto& decision : decisions) ids.push_back(decision.decision_id);
  return ids;
}

// Inserts `id` as queued and walks it to `target` along allowed moves.
// A reply of the reply pipeline in `target`: planned, scheduled or posting_attempt.
void insert_reply_in(database& db, const std::string& id, decision_status target, std::int64_t at_ms) {
  using s = decision_status;
  auto reply = decision_of(id, "acct-1", s::planned);
  reply.type = decision_type::reply;
  REQUIRE_OK(insert_decision(db, reply, at_ms));
  if (target == s::planned) return;
  // A reply left scheduled is due tomorrow, so that claiming another leaves it be.
  const auto due = target == s::scheduled ? at_ms + 86'400'000 : at_ms;
  auto scheduled = schedule_decision(db, id, due, "reply_v2_scheduler", at_ms);
  REQUIRE_OK(scheduled);
  REQUIRE(*scheduled);
  if (target == s::scheduled) return;
  auto claimed = claim_scheduled_replies(db, at_ms, 100, at_ms);
  REQUIRE_OK(claimed);
}

void insert_in(database& db, const std::string& id, decision_status target, std::int64_t at_ms) {
  using s = decision_status;
  if (target == s::planned || target == s::scheduled || target == s::posting_attempt) {
    insert_reply_in(db, id, target, at_ms);
    return;
  }
  const bool approval = target == s::awaiting_approval;
  REQUIRE_OK(insert_decision(
      db, decision_of(id, "acct-1", approval ? s::awaiting_approval : s::queued), at_ms));
  if (target == s::queued || approval) return;
  if (target == s::skipped) {
    REQUIRE_OK(set_decision_status(db, id, s::skipped, "blocked", at_ms));
    return;
  }
  REQUIRE_OK(set_decision_status(db, id, s::posting, std::nullopt, at_ms));
  if (target == s::posting) return;
  if (target == s::posted) {
    REQUIRE_OK(set_decision_status(db, id, s::posted, std::nullopt, at_ms));
    return;
  }
  if (target == s::failed) {
    REQUIRE_OK(set_decision_status(db, id, s::failed, "HTTP 500", at_ms));
    return;
  }
  REQUIRE_OK(set_decision_status(db, id, s::unconfirmed, "timed out", at_ms));
}

}  // namespace

TEST_CASE("a decision reads back with every field, its embedding exact") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  content_decision decision = decision_of("5f0c6c1e-8a44-4b8e-9a53-0c1e2d3f4a5b", "acct-1");
  decision.type = decision_type::reply;
  decision.bandit_arm = "question";
  decision.timing_arm = "morning";
  decision.propensity = 0.25;
  decision.quality_score = 0.81;
  decision.predicted_er = 0.034;
  decision.source = generation_source::real;
  decision.scheduled_at_ms = t0 + 60000;
  decision.topic_cluster = "databases";
  decision.angle = "contrarian";
  decision.content_hash = "sha256:abc";
  decision.features_json = R"({"length":120,"emoji":false})";
  decision.pipeline_source = "reply_v2";
  decision.target_post_id = "post-9";
  decision.target_author_id = "author-3";
  decision.embedding = {0.1f, -0.333333343f, 1e-7f, 12345.678f, 0.0f};
  decision.embedding_model = "text-embedding-3-small";
  decision.aol_action_id = 42;
  decision.created_at_ms = 1;  // ignored: the store sets both times
  REQUIRE_OK(insert_decision(store.db(), decision, t0));

  const auto back = loaded_decision(store.db(), decision.decision_id);
  CHECK(back.type == decision_type::reply);
  CHECK(back.account_id == "acct-1");
  CHECK(back.content == decision.content);
  CHECK(back.bandit_arm == "question");
  CHECK(back.timing_arm == "morning");
  CHECK(back.propensity == 0.25);
  CHECK(back.quality_score == 0.81);
  CHECK(back.predicted_er == 0.034);
  CHECK(back.source == generation_source::real);
  CHECK(back.status == decision_status::queued);
  CHECK(back.scheduled_at_ms == t0 + 60000);
  CHECK(back.topic_cluster == "databases");
  CHECK(back.angle == "contrarian");
  CHECK(back.content_hash == "sha256:abc");
  CHECK(back.features_json == decision.features_json);
  CHECK_FALSE(back.skip_reason);
  CHECK_FALSE(back.error_message);
  CHECK(back.pipeline_source == "reply_v2");
  CHECK(back.target_post_id == "post-9");
  CHECK(back.target_author_id == "author-3");
  CHECK(back.embedding == decision.embedding);
  CHECK(back.embedding_model == "text-embedding-3-small");
  CHECK(back.aol_action_id == 42);
  CHECK(back.created_at_ms == t0);
  CHECK(back.updated_at_ms == t0);

  auto unknown = load_decision(store.db(), "no-such-decision");
  REQUIRE_OK(unknown);
  CHECK_FALSE(unknown->has_value());
}

TEST_CASE("a decision without optional fields reads back with them absent") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  REQUIRE_OK(insert_decision(store.db(), decision_of("d-1", "acct-1"), t0));
  const auto back = loaded_decision(store.db(), "d-1");
  CHECK_FALSE(back.propensity);
  CHECK_FALSE(back.quality_score);
  CHECK_FALSE(back.scheduled_at_ms);
  CHECK_FALSE(back.target_post_id);
  CHECK_FALSE(back.aol_action_id);
  CHECK(back.embedding.empty());
  CHECK(back.embedding_model.empty());
  CHECK(back.features_json == "{}");
  CHECK(back.source == generation_source::synthetic);
}

TEST_CASE("insert_decision refuses a duplicate id and malformed decisions, storing nothing") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  REQUIRE_OK(insert_decision(store.db(), decision_of("d-1", "acct-1"), t0));
  auto again = insert_decision(store.db(), decision_of("d-1", "acct-2"), t0 + 1);
  REQUIRE_FALSE(again.ok());
  CHECK_THAT(again.failure().message, Contains("decision d-1 is stored already"));
  CHECK(loaded_decision(store.db(), "d-1").account_id == "acct-1");

  struct bad_case {
    const char* why;
    content_decision decision;
    const char* message;
  };
  std::vector<bad_case> cases;
  cases.push_back({"no id", decision_of("", "acct-1"), "needs an id"});
  cases.push_back({"no account", decision_of("d-2", ""), "needs an account"});
  cases.push_back({"posted at birth", decision_of("d-2", "acct-1", decision_status::posted),
                   "cannot start posted"});
  auto unexplained = decision_of("d-2", "acct-1", decision_status::skipped);
  unexplained.skip_reason.reset();
  cases.push_back({"skipped without reason", unexplained, "without a skip_reason"});
  auto array_features = decision_of("d-2", "acct-1");
  array_features.features_json = "[1,2]";
  cases.push_back({"features not an object", array_features, "not a JSON object"});
  auto model_only = decision_of("d-2", "acct-1");
  model_only.embedding_model = "m";
  cases.push_back({"model without embedding", model_only, "embedding and its model together"});
  auto infinite = decision_of("d-2", "acct-1");
  infinite.embedding = {1.0f, std::numeric_limits<float>::infinity()};
  infinite.embedding_model = "m";
  cases.push_back({"infinite embedding", infinite, "not finite"});
  for (const auto& bad : cases) {
    CAPTURE(bad.why);
    auto refused = insert_decision(store.db(), bad.decision, t0);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.failure().message, Contains(bad.message));
  }
  auto absent = load_decision(store.db(), "d-2");
  REQUIRE_OK(absent);
  CHECK_FALSE(absent->has_value());
}

TEST_CASE("the transitions are exactly those of the diagram") {
  using s = decision_status;
  const std::vector<std::pair<s, s>> allowed = {
      {s::planned, s::scheduled},        {s::planned, s::skipped},
      {s::scheduled, s::posting_attempt}, {s::scheduled, s::skipped},
      {s::posting_attempt, s::queued},   {s::posting_attempt, s::awaiting_approval},
      {s::posting_attempt, s::skipped},
      {s::awaiting_approval, s::queued}, {s::awaiting_approval, s::skipped},
      {s::queued, s::posting},           {s::queued, s::skipped},
      {s::posting, s::posted},           {s::posting, s::failed},
      {s::posting, s::unconfirmed},      {s::unconfirmed, s::posted},
      {s::unconfirmed, s::failed},       {s::unconfirmed, s::posting}};
  for (auto from : every_decision_status()) {
    for (auto to : every_decision_status()) {
      CAPTURE(to_string(from), to_string(to));
      const bool listed =
          std::find(allowed.begin(), allowed.end(), std::pair{from, to}) != allowed.end();
      CHECK(decision_transition_allowed(from, to) == listed);
    }
  }
}

TEST_CASE("set_decision_status moves a decision along its life and stores reasons") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  REQUIRE_OK(
      insert_decision(db, decision_of("d-1", "acct-1", decision_status::awaiting_approval), t0));
  REQUIRE_OK(set_decision_status(db, "d-1", decision_status::queued, std::nullopt, t0 + 10));
  REQUIRE_OK(set_decision_status(db, "d-1", decision_status::posting, std::nullopt, t0 + 20));
  REQUIRE_OK(set_decision_status(db, "d-1", decision_status::unconfirmed, "the post call timed out",
                                 t0 + 30));
  auto unconfirmed = loaded_decision(db, "d-1");
  CHECK(unconfirmed.status == decision_status::unconfirmed);
  CHECK(unconfirmed.error_message == "the post call timed out");
  CHECK(unconfirmed.updated_at_ms == t0 + 30);
  CHECK(unconfirmed.created_at_ms == t0);
  REQUIRE_OK(set_decision_status(db, "d-1", decision_status::posted, std::nullopt, t0 + 40));
  CHECK(loaded_decision(db, "d-1").status == decision_status::posted);

  REQUIRE_OK(insert_decision(db, decision_of("d-2", "acct-1"), t0));
  REQUIRE_OK(
      set_decision_status(db, "d-2", decision_status::skipped, "posting window closed", t0 + 5));
  const auto skipped = loaded_decision(db, "d-2");
  CHECK(skipped.status == decision_status::skipped);
  CHECK(skipped.skip_reason == "posting window closed");
  CHECK_FALSE(skipped.error_message);

  REQUIRE_OK(insert_decision(db, decision_of("d-3", "acct-1"), t0));
  REQUIRE_OK(set_decision_status(db, "d-3", decision_status::posting, std::nullopt, t0 + 5));
  REQUIRE_OK(set_decision_status(db, "d-3", decision_status::failed, "HTTP 403 from the platform",
                                 t0 + 6));
  CHECK(loaded_decision(db, "d-3").error_message == "HTTP 403 from the platform");
}

TEST_CASE("an illegal transition is refused with the reason, and the decision stays as it was") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  using s = decision_status;
  int n = 0;
  for (auto from : every_decision_status()) {
    const std::string id = "d-" + std::to_string(++n);
    insert_in(db, id, from, t0);
    for (auto to : every_decision_status()) {
      if (decision_transition_allowed(from, to)) continue;
      CAPTURE(to_string(from), to_string(to));
      const bool needs_reason = to == s::skipped || to == s::failed;
      auto refused = set_decision_status(
          db, id, to, needs_reason ? std::optional<std::string>("why") : std::nullopt, t0 + 100);
      REQUIRE_FALSE(refused.ok());
      CHECK_THAT(refused.failure().message, Contains("decision " + id + " is " + to_string(from) +
                                                     " and cannot become " + to_string(to)));
      const auto after = loaded_decision(db, id);
      CHECK(after.status == from);
      CHECK(after.updated_at_ms == t0);
    }
  }
  const auto statuses = every_decision_status();
  const auto posted_id = "d-" + std::to_string(std::find(statuses.begin(), statuses.end(), s::posted) - statuses.begin() + 1);
  auto posted_again = set_decision_status(db, posted_id, s::queued, std::nullopt, t0);
  REQUIRE_FALSE(posted_again.ok());
  CHECK_THAT(posted_again.failure().message, Contains("a posted decision is final"));
}

TEST_CASE(
    "set_decision_status wants a reason for skipped and failed, refuses one elsewhere, and knows "
    "unknown ids") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  REQUIRE_OK(insert_decision(db, decision_of("d-1", "acct-1"), t0));
  auto no_reason = set_decision_status(db, "d-1", decision_status::skipped, std::nullopt, t0);
  REQUIRE_FALSE(no_reason.ok());
  CHECK_THAT(no_reason.failure().message, Contains("without a reason"));
  auto stray_reason = set_decision_status(db, "d-1", decision_status::posting, "because", t0);
  REQUIRE_FALSE(stray_reason.ok());
  CHECK_THAT(stray_reason.failure().message, Contains("a reason goes only with"));
  CHECK(loaded_decision(db, "d-1").status == decision_status::queued);
  auto unknown = set_decision_status(db, "nope", decision_status::posting, std::nullopt, t0);
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.failure().message, Contains("no decision nope"));
}

TEST_CASE("attach_action links a decision to its action, found back by the action") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  REQUIRE_OK(insert_decision(db, decision_of("d-1", "acct-1"), t0));
  REQUIRE_OK(insert_decision(db, decision_of("d-2", "acct-1"), t0));

  auto attached = attach_action(db, "d-1", 7);
  REQUIRE_OK(attached);
  CHECK(*attached);
  CHECK(loaded_decision(db, "d-1").aol_action_id == 7);
  auto again = attach_action(db, "d-1", 7);  // idempotent
  REQUIRE_OK(again);
  CHECK(*again);

  auto found = find_decision_by_action(db, 7);
  REQUIRE_OK(found);
  REQUIRE(found->has_value());
  CHECK((*found)->decision_id == "d-1");
  auto none = find_decision_by_action(db, 8);
  REQUIRE_OK(none);
  CHECK_FALSE(none->has_value());

  auto taken = attach_action(db, "d-2", 7);
  REQUIRE_FALSE(taken.ok());
  CHECK_THAT(taken.failure().message, Contains("linked to decision d-1"));

  REQUIRE_OK(attach_action(db, "d-1", 9));  // the post action replaces the approval action
  CHECK(loaded_decision(db, "d-1").aol_action_id == 9);
  REQUIRE_OK(attach_action(db, "d-2", 7));  // free again

  auto unknown = attach_action(db, "nope", 10);
  REQUIRE_OK(unknown);
  CHECK_FALSE(*unknown);
}

TEST_CASE(
    "recent_account_content gives the account's content since a time, newest first, without "
    "skipped") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  auto with_embedding = [](std::string id, std::string account, std::string topic) {
    auto decision = decision_of(id, account);
    decision.embedding = {1.0f, 0.5f};
    decision.embedding_model = "local-ngram";
    decision.topic_cluster = std::move(topic);
    decision.angle = "how-to";
    return decision;
  };
  REQUIRE_OK(insert_decision(db, with_embedding("old", "acct-1", "a"), t0 - 8 * 86400000LL));
  REQUIRE_OK(insert_decision(db, with_embedding("d-1", "acct-1", "a"), t0));
  REQUIRE_OK(insert_decision(db, decision_of("d-2", "acct-1"), t0 + 1000));
  REQUIRE_OK(
      insert_decision(db, decision_of("skip", "acct-1", decision_status::skipped), t0 + 2000));
  REQUIRE_OK(insert_decision(db, with_embedding("other", "acct-2", "b"), t0 + 3000));

  auto recent = recent_account_content(db, "acct-1", t0 - 7 * 86400000LL);
  REQUIRE_OK(recent);
  REQUIRE(recent->size() == 2);
  CHECK((*recent)[0].decision_id == "d-2");
  CHECK((*recent)[0].embedding.empty());
  CHECK((*recent)[1].decision_id == "d-1");
  CHECK((*recent)[1].embedding == std::vector<float>{1.0f, 0.5f});
  CHECK((*recent)[1].embedding_model == "local-ngram");
  CHECK((*recent)[1].topic_cluster == "a");
  CHECK((*recent)[1].angle == "how-to");
  CHECK((*recent)[1].created_at_ms == t0);
}

TEST_CASE("list_decisions filters, pages newest first and counts every match") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  for (int i = 1; i <= 12; ++i) {
    auto decision =
        decision_of("d-" + std::string(i < 10 ? "0" : "") + std::to_string(i),
                    i % 2 == 0 ? "acct-even" : "acct-odd",
                    i % 3 == 0 ? decision_status::awaiting_approval : decision_status::queued);
    decision.type = i % 4 == 0 ? decision_type::reply : decision_type::single;
    decision.pipeline_source = i <= 6 ? "plan" : "reply_v2";
    REQUIRE_OK(insert_decision(db, decision, t0 + i * 1000));
  }
  auto list = [&](const decision_filter& filter, int limit, std::int64_t offset) {
    auto listing = list_decisions(db, filter, decision_page{limit, offset});
    REQUIRE_OK(listing);
    return *listing;
  };

  auto first = list({}, 5, 0);
  CHECK(first.total == 12);
  CHECK(ids_of(first.decisions) ==
        std::vector<std::string>{"d-12", "d-11", "d-10", "d-09", "d-08"});
  CHECK(ids_of(list({}, 5, 10).decisions) == std::vector<std::string>{"d-02", "d-01"});
  CHECK(list({}, 5, 20).decisions.empty());

  decision_filter waiting;
  waiting.status = decision_status::awaiting_approval;
  auto approvals = list(waiting, 50, 0);
  CHECK(approvals.total == 4);
  CHECK(ids_of(approvals.decisions) == std::vector<std::string>{"d-12", "d-09", "d-06", "d-03"});

  decision_filter replies_of_even;
  replies_of_even.type = decision_type::reply;
  replies_of_even.account_id = "acct-even";
  CHECK(ids_of(list(replies_of_even, 50, 0).decisions) ==
        std::vector<std::string>{"d-12", "d-08", "d-04"});

  decision_filter all_four;
  all_four.status = decision_status::queued;
  all_four.type = decision_type::reply;
  all_four.pipeline_source = "reply_v2";
  all_four.account_id = "acct-even";
  auto narrow = list(all_four, 1, 0);
  CHECK(narrow.total == 1);
  CHECK(ids_of(narrow.decisions) == std::vector<std::string>{"d-08"});

  decision_filter nothing;
  nothing.pipeline_source = "none";
  CHECK(list(nothing, 10, 0).total == 0);

  for (auto bad :
       {decision_page{0, 0}, decision_page{max_decision_page + 1, 0}, decision_page{10, -1}}) {
    CHECK_FALSE(list_decisions(db, {}, bad).ok());
  }
}

TEST_CASE("count_decisions_by_status counts each status and names every status, 0 when none") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  using s = decision_status;

  auto empty = count_decisions_by_status(db);
  REQUIRE_OK(empty);
  CHECK(empty->size() == every_decision_status().size());
  for (const auto& [status_value, count] : *empty) CHECK(count == 0);

  insert_in(db, "q-1", s::queued, t0);
  insert_in(db, "q-2", s::queued, t0);
  insert_in(db, "q-3", s::queued, t0);
  insert_in(db, "a-1", s::awaiting_approval, t0);
  insert_in(db, "k-1", s::skipped, t0);
  insert_in(db, "p-1", s::posted, t0);
  insert_in(db, "u-1", s::unconfirmed, t0);
  insert_in(db, "r-1", s::planned, t0);
  insert_in(db, "r-2", s::scheduled, t0);
  insert_in(db, "r-3", s::posting_attempt, t0);
  auto counted = count_decisions_by_status(db);
  REQUIRE_OK(counted);
  CHECK(*counted == std::map<decision_status, std::int64_t>{{s::planned, 1},
                                                            {s::scheduled, 1},
                                                            {s::posting_attempt, 1},
                                                            {s::queued, 3},
                                                            {s::awaiting_approval, 1},
                                                            {s::posting, 0},
                                                            {s::posted, 1},
                                                            {s::skipped, 1},
                                                            {s::failed, 0},
                                                            {s::unconfirmed, 1}});
}

TEST_CASE(
    "due_queued_decisions gives the due queued real decisions, oldest first, up to the limit") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  auto real = [](std::string id, std::optional<std::int64_t> scheduled_at_ms,
                 decision_status status = decision_status::queued) {
    auto decision = decision_of(id, "acct-1", status);
    decision.source = generation_source::real;
    decision.scheduled_at_ms = scheduled_at_ms;
    return decision;
  };
  REQUIRE_OK(insert_decision(db, real("late", t0 + 500), t0));
  REQUIRE_OK(insert_decision(db, real("early", t0 - 500), t0));
  REQUIRE_OK(insert_decision(db, real("unscheduled", std::nullopt), t0 - 100));
  REQUIRE_OK(insert_decision(db, real("on-time", t0), t0));
  REQUIRE_OK(insert_decision(db, real("future", t0 + 10'000), t0));
  REQUIRE_OK(
      insert_decision(db, real("waiting", t0 - 900, decision_status::awaiting_approval), t0));
  auto synthetic = real("synthetic", t0 - 1000);
  synthetic.source = generation_source::synthetic;
  REQUIRE_OK(insert_decision(db, synthetic, t0));
  REQUIRE_OK(insert_decision(db, real("posting", t0 - 800), t0));
  REQUIRE_OK(set_decision_status(db, "posting", decision_status::posting, std::nullopt, t0));

  auto due = due_queued_decisions(db, t0 + 500, 5);
  REQUIRE_OK(due);
  CHECK(ids_of(*due) == std::vector<std::string>{"early", "unscheduled", "on-time", "late"});
  auto two = due_queued_decisions(db, t0 + 500, 2);
  REQUIRE_OK(two);
  CHECK(ids_of(*two) == std::vector<std::string>{"early", "unscheduled"});
  auto shadow = due_queued_decisions(db, t0 + 500, 5, generation_source::synthetic);
  REQUIRE_OK(shadow);
  CHECK(ids_of(*shadow) == std::vector<std::string>{"synthetic"});
  auto either = due_queued_decisions(db, t0 + 500, 2, std::nullopt);
  REQUIRE_OK(either);
  CHECK(ids_of(*either) == std::vector<std::string>{"synthetic", "early"});
  CHECK_FALSE(due_queued_decisions(db, t0, 0).ok());
}
