// End-to-end faults with every real part together: the control plane, the
// node agent, Kafka, the operator binary (one or two replicas) and
// kappa-processor pods. Each scenario checks the invariants of docs/design.md
// while it runs: a watcher records every selector the Service takes and that
// each new target was CaughtUp at that moment.
#include "controllers/operator_fixture.h"
#include "controllers/service_watcher.h"
#include "controllers/serving_probe.h"
#include "support/http_get.h"
#include "support/kafka_test_util.h"

#include <iomanip>
#include <random>
#include <sstream>

namespace kappa::testing {
namespace {

using namespace std::chrono_literals;

int run_dev_script(const std::string& command) {
  return std::system((std::string(KAPPA_SOURCE_DIR) + "/dev/" + command + " >&2").c_str());
}

class FaultTest : public OperatorTest {
 protected:
  // v1 serving, then a template change whose catch-up lasts at least
  // stableFor (20 s): the window the faults land in.
  void start_rollout(ServiceWatcher& watcher) {
    (void)watcher;
    produce_events(20000, 100);
    client_->create(api::kPipelines, ns_, pipeline_manifest("stats", {{"stableFor", "20s"}, {"retireAfter", "3s"}}));
    await_pipeline_condition("stats", "Ready", "True");
    change_template("stats", "max_revenue");
    await_phase("stats", 2, "CatchingUp", 60s);
  }

  void expect_converged_on_v2(ServiceWatcher& watcher) {
    await_service_version("stats", 2, 240s);
    expect_version_gone("stats", 1);
    await_pipeline_condition("stats", "Ready", "True", 120s, "RolloutComplete");
    EXPECT_EQ(watcher.versions(), (std::vector<int64_t>{1, 2}));
    EXPECT_TRUE(watcher.violations().empty()) << watcher.violations().front();
  }
};

class ComponentRestartTest : public FaultTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(ComponentRestartTest, RestartedDuringCatchUpTheRolloutStillCompletesCorrectly) {
  ServiceWatcher watcher(*rest_, ns_, "stats");
  start_rollout(watcher);
  ServingProbe probe(*rest_, ns_, "stats", "u-1", 8080);
  // A flood of status reads meanwhile (a dashboard, kubectl -w): all answered.
  std::atomic<int> reads{0}, failures{0};
  std::jthread flood([&](std::stop_token stop) {
    kube::HttpKubeClient reader(*rest_);
    while (!stop.stop_requested()) {
      try {
        reader.get(api::kPipelines, ns_, "stats");
        ++reads;
      } catch (const std::exception&) {
        ++failures;  // expected only while the apiserver is down
        std::this_thread::sleep_for(200ms);
      }
    }
  });
  ASSERT_EQ(run_dev_script(std::string("stack-restart.sh ") + GetParam() + " 5"), 0);
  // An apiserver gone longer than the Lease's renew deadline (10 s) costs
  // the leader its Lease: it exits (code 1) for its Deployment to restart
  // it, as controller-runtime managers do. Play the kubelet here.
  // A Kafka restart must cost nothing: no crash, no lost Lease.
  if (const auto code = operator_->wait_exit(15s)) {
    ASSERT_EQ(std::string(GetParam()), "kube-apiserver") << "the operator exited (" << *code << "): " << operator_->log();
    ASSERT_EQ(*code, 1) << operator_->log();
    ASSERT_NE(operator_->log().find("leadership lost"), std::string::npos) << operator_->log();
    start_operator();
  }
  expect_converged_on_v2(watcher);
  flood.request_stop();
  flood.join();
  EXPECT_GT(reads.load(), 100) << "status reads during the rollout";
  if (std::string(GetParam()) == "kafka") {
    EXPECT_EQ(failures.load(), 0);
  }
  EXPECT_TRUE(operator_->running()) << "the operator must ride out the restart: " << operator_->log();
  probe.expect_never_missed();
}

INSTANTIATE_TEST_SUITE_P(Components, ComponentRestartTest, ::testing::Values("kafka", "kube-apiserver"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST_F(FaultTest, TwoReplicasOnlyTheLeaderActsAndTheStandbyFinishesWhenTheLeaderIsKilled) {
  ServiceWatcher watcher(*rest_, ns_, "stats");
  start_rollout(watcher);
  // A second replica on the same Lease: it waits while the first leads.
  auto standby = std::make_unique<processor::Subprocess>(
      KAPPA_OPERATOR_BINARY,
      std::vector<std::string>{"--kubeconfig", stack_env().kubeconfig, "--watch-namespace", ns_,
                               "--leader-election-namespace", ns_, "--metrics-bind-address", "0",
                               "--health-probe-bind-address", "0", "--lag-poll-interval", "1s",
                               "--retry-interval", "2s", "--log-level", "debug"},
      std::map<std::string, std::string>{}, std::string(::testing::TempDir()) + "/" + ns_ + "-standby.log");
  // It campaigns, finds the Lease held, and must not lead.
  ASSERT_TRUE(wait_for(30s, [&] { return standby->log().find("is held by") != std::string::npos; }))
      << "the standby never campaigned: " << standby->log();
  EXPECT_EQ(standby->log().find("became leader"), std::string::npos) << standby->log();
  kill_operator();
  ASSERT_TRUE(wait_for(60s, [&] { return standby->log().find("became leader") != std::string::npos; }))
      << "the standby never took over: " << standby->log();
  expect_converged_on_v2(watcher);
  EXPECT_TRUE(standby->running());
  operator_ = std::move(standby);  // TearDown's cleanup needs a running operator
}

// docs/design.md, invariant 6, at moments nobody chose: each iteration
// starts a rollout, SIGKILLs the operator after a random delay (whatever it
// was doing: lag polling, a status write, the switch, the retirement),
// restarts it, and requires the rollout to converge with reads through the
// Service answered all along. KAPPA_E2E_SEED replays a run; KAPPA_E2E_KILLS sets the count.
TEST_F(FaultTest, KilledAtRandomMomentsOfRolloutsTheOperatorConvergesEveryTime) {
  const int kills = std::getenv("KAPPA_E2E_KILLS") ? std::atoi(std::getenv("KAPPA_E2E_KILLS")) : 10;
  const unsigned seed =
      std::getenv("KAPPA_E2E_SEED") ? static_cast<unsigned>(std::atoll(std::getenv("KAPPA_E2E_SEED"))) : std::random_device{}();
  std::cerr << "random kills: " << kills << ", KAPPA_E2E_SEED=" << seed << "\n";
  RecordProperty("seed", std::to_string(seed));
  std::mt19937 random(seed);
  kill_operator();
  start_operator({}, fast_lease());

  produce_events(20000, 100);
  ServiceWatcher watcher(*rest_, ns_, "stats");
  client_->create(api::kPipelines, ns_, pipeline_manifest("stats", {{"retireAfter", "2s"}}));
  await_pipeline_condition("stats", "Ready", "True");
  ServingProbe probe(*rest_, ns_, "stats", "u-1", 8080);

  // One rollout undisturbed measures how long a rollout lasts here (catch-
  // up, stableFor, the switch, retireAfter, the retirement); the kills are
  // spread over that span so every step gets its share.
  const auto calibration_start = std::chrono::steady_clock::now();
  change_template("stats", "max_revenue_0");
  await_service_version("stats", 2, 180s);
  expect_version_gone("stats", 1);
  const auto span = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                          calibration_start);
  std::uniform_int_distribution<int64_t> delay_ms(0, span.count());
  std::cerr << "an undisturbed rollout took " << span.count() << " ms\n";

  std::ostringstream table;
  table << "kill  delay(ms)  v(N+1) phase at kill        converged(s)\n";
  for (int i = 1; i <= kills; ++i) {
    const int64_t next = i + 2;
    change_template("stats", "max_revenue_" + std::to_string(i));
    const int64_t delay = delay_ms(random);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));  // the random moment itself, not a wait
    kill_operator();
    const auto rp = reprocessing_of("stats", next);
    std::string phase = rp ? (*rp)["status"].value("phase", "Pending") : "not allocated";
    if (phase == "Succeeded" && find(kube::resources::kDeployments, "stats-v" + std::to_string(next - 1))) {
      phase += ", v" + std::to_string(next - 1) + " retiring";
    }
    const auto restarted = std::chrono::steady_clock::now();
    start_operator({}, fast_lease());
    await_service_version("stats", next, 180s);
    expect_version_gone("stats", next - 1);
    await_pipeline_condition("stats", "Ready", "True", 120s, "RolloutComplete");
    if (HasFatalFailure()) break;
    const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - restarted).count();
    table << std::setw(4) << i << std::setw(11) << delay << "  " << std::left << std::setw(27) << phase << std::right
          << std::fixed << std::setprecision(1) << took << "\n";
  }
  std::cerr << table.str();

  std::vector<int64_t> expected;
  for (int64_t v = 1; v <= kills + 2; ++v) expected.push_back(v);
  EXPECT_EQ(watcher.versions(), expected) << "each version served once, in order";
  EXPECT_TRUE(watcher.violations().empty()) << watcher.violations().front();
  probe.expect_never_missed();
  const auto pipeline = get(api::kPipelines, "stats");
  EXPECT_EQ(pipeline["status"].value("nextVersion", 0), kills + 3) << "a version number was skipped or reused";
  const std::string last = "stats.v" + std::to_string(kills + 2);
  EXPECT_EQ(admin_->list_groups("kappa." + ns_ + "."), (std::vector<std::string>{"kappa." + ns_ + "." + last}));
  EXPECT_EQ(admin_->list_topics(ns_ + "."),
            (std::vector<std::string>{input_topic_, ns_ + "." + last, ns_ + "." + last + ".state"}));
  EXPECT_EQ(client_->list(kube::resources::kDeployments, ns_, {})["items"].size(), 1u);
}

TEST_F(FaultTest, ACrashLoopingCandidateIsStalledAndServingIsUntouched) {
  produce_events(1000, 20);
  client_->create(api::kPipelines, ns_, pipeline_manifest("stats"));
  await_pipeline_condition("stats", "Ready", "True");
  // A view the processor refuses at start: it exits non-zero, again and again.
  patch_spec(api::kPipelines, "stats",
             {{"processor", {{"config", {{"aggregates", {{"median", {{"op", "median"}, {"field", "revenue"}}}}}}}}}});
  await_pipeline_condition("stats", "Stalled", "True", 120s, "CandidateCrashLooping");
  const auto p = get(api::kPipelines, "stats");
  EXPECT_EQ(condition(p, "Serving"), "True");
  EXPECT_EQ(service_version("stats"), 1);
  EXPECT_EQ(p["status"].value("activeVersion", 0), 1);
}

TEST_F(FaultTest, ALogThatNoLongerReachesBackIsRefusedBeforeAnythingIsBuilt) {
  produce_events(300, 10);
  // Retention (simulated with DeleteRecords) took partition 0's first records.
  delete_records_before(bootstrap_, input_topic_, 0, 5);
  client_->create(api::kPipelines, ns_, pipeline_manifest("stats"));
  await_pipeline_condition("stats", "Stalled", "True", 60s, "RetentionInsufficient");
  const auto rp = reprocessing_of("stats", 1);
  ASSERT_TRUE(rp);
  EXPECT_EQ((*rp)["status"].value("phase", ""), "Failed");
  EXPECT_TRUE(client_->list(kube::resources::kDeployments, ns_, {})["items"].empty());
  EXPECT_FALSE(topic_exists(ns_ + ".stats.v1")) << "no table for a replay that was refused";
}

TEST_F(FaultTest, ThePromotedVersionsTableEqualsABoundedRunOverTheSameLog) {
  produce_events(30000, 200);
  client_->create(api::kPipelines, ns_, pipeline_manifest("stats"));
  await_pipeline_condition("stats", "Ready", "True");
  change_template("stats", "max_revenue");
  await_service_version("stats", 2);
  await_phase("stats", 2, "Succeeded");

  // The batch layer: the same processor, bounded, over the same log.
  const std::string output = ns_ + ".batch";
  admin_->create_topic({output, 3, 1, {{"cleanup.policy", "compact"}}});
  const auto rp2 = reprocessing_of("stats", 2);
  ASSERT_TRUE(rp2);
  const json config = (*rp2)["spec"]["processor"]["config"];
  processor::Subprocess batch(KAPPA_PROCESSOR_BINARY, {"--bounded"},
                              {{"KAFKA_BOOTSTRAP_SERVERS", bootstrap_},
                               {"KAPPA_INPUT_TOPIC", input_topic_},
                               {"KAPPA_CONSUMER_GROUP", "kappa." + ns_ + ".batch"},
                               {"KAPPA_OUTPUT_TOPIC", output},
                               {"KAPPA_CONFIG", config.dump()},
                               {"KAPPA_BIND_ADDRESS", "127.0.0.1"},
                               {"KAPPA_SERVING_PORT", std::to_string(processor::free_port())}},
                              std::string(::testing::TempDir()) + "/" + ns_ + "-batch.log");
  ASSERT_EQ(batch.wait_exit(180s), 0) << batch.log();

  processor::TopicReader stream_table(bootstrap_, ns_ + ".stats.v2", 3), batch_table(bootstrap_, output, 3);
  ASSERT_TRUE(wait_for(60s, [&] {
    stream_table.poll(500ms);
    batch_table.poll(500ms);
    return batch_table.latest().size() == 200 && stream_table.latest() == batch_table.latest();
  })) << "stream rows " << stream_table.latest().size() << ", batch rows " << batch_table.latest().size();
}

}  // namespace
}  // namespace kappa::testing
