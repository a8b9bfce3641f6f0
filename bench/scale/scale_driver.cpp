// scale_driver: the operator at 10, 100 and 1,000 Pipelines (issue #21).
// Starts the real kappa-operator as a child against the local stack and,
// per fleet size and namespace layout, measures what the operator costs at
// rest, how fast it reacts and converges, and how it polls lag, next to the
// same operator with no Pipelines (the floor). See docs/scale.md.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "arrivals.h"
#include "fleet.h"
#include "kafka/rdkafka_admin.h"
#include "kube/api_error.h"
#include "kube/http_kube_client.h"
#include "kube/kubeconfig_loader.h"
#include "kube/rest_client.h"
#include "metrics_source.h"
#include "operator_process.h"
#include "prometheus_text.h"
#include "ready_watch.h"
#include "report.h"

namespace kappa::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct Options {
  std::string operator_binary = "build/operator/kappa-operator";
  std::string sizes = "10,100,1000";
  std::string namespaces = "1 10";
  int changes = 20;
  int catch_ups = 100;
  int rest_seconds = 15;
  int lag_poll_seconds = 10;
  int lag_poll_interval_seconds = 5;
  std::string log_dir = "scale-logs";
  std::vector<std::string> limits;
  std::vector<std::string> operator_args;  // appended to the operator's own
  bool keep = false;
};

void note(const std::string& text) {
  std::time_t now = std::time(nullptr);
  char stamp[16];
  std::strftime(stamp, sizeof stamp, "%H:%M:%S", std::gmtime(&now));
  std::cerr << stamp << " scale: " << text << std::endl;
}

std::vector<int> parse_ints(const std::string& text) {
  std::vector<int> out;
  std::string item;
  std::istringstream in(text);
  while (in >> item) {
    std::istringstream parts(item);
    std::string part;
    while (std::getline(parts, part, ',')) {
      if (!part.empty()) out.push_back(std::stoi(part));
    }
  }
  return out;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Polls `done` every `every` until it holds; throws naming `what` when
// `limit` passes first.
void wait_for(const std::string& what, seconds limit, const std::function<bool()>& done,
              milliseconds every = milliseconds(500)) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) throw std::runtime_error("timed out after " + std::to_string(limit.count()) + " s: " + what);
    std::this_thread::sleep_for(every);
  }
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// The run: one operator at a time, the stack's API server and Kafka.
class Driver {
 public:
  Driver(Options options, std::string run)
      : options_(std::move(options)),
        run_(std::move(run)),
        rest_(kube::load_kubeconfig(required_env("KUBECONFIG"))),
        kube_(rest_),
        bootstrap_(required_env("KAFKA_BOOTSTRAP_SERVERS")) {}

  int main();

 private:
  static std::string required_env(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v) throw std::runtime_error(std::string(name) + " is not set: eval \"$(make -s stack-status)\" first");
    return v;
  }

  std::string lease_namespace() const { return "scale-" + run_ + "-operator"; }
  std::string input_topic() const { return "scale-" + run_ + "-input"; }

  void prepare();
  void start_operator(const std::string& log_name);
  Scrape scrape_operator();
  Scrape scrape_apiserver();
  double queue_depth(const Scrape& s) const { return s.sum("kappa_operator_workqueue_depth"); }
  void wait_queue_drained(seconds limit);
  void measure_rest(Figures& out);
  // What the phases of one size share.
  struct Phase {
    Fleet& fleet;
    ReadyWatch& ready;
    Figures& f;  // filled phase by phase: a failed phase keeps what came before
    std::string tag;
    seconds deadline;  // for the fleet to converge after a phase
  };
  // One layout: a fleet over `namespaces` grown through every size (in
  // ascending order) and measured at each, then deleted (unless --keep).
  // Appends one FleetResult per size.
  void measure_layout(int namespaces, const std::vector<int>& sizes, std::vector<FleetResult>& results);
  void grow(Phase& p, int size);
  void measure_changes(Phase& p, int size, Arrivals& reprocessings, Arrivals& deployments);
  void measure_catch_ups(Phase& p, int size);
  void measure_restart(Phase& p, int size);
  // Deletes the namespaces and waits until they are gone (delete_s).
  void delete_fleet(Fleet& fleet, Figures* figures);

  Options options_;
  std::string run_;
  kube::RestClient rest_;
  kube::HttpKubeClient kube_;
  std::string bootstrap_;
  std::unique_ptr<OperatorProcess> operator_;
  int metrics_port_ = 0;
  int starts_ = 0;
};

void Driver::prepare() {
  // The operator's Lease lives apart from every fleet namespace, so that
  // deleting a fleet never takes leadership with it.
  try {
    kube_.create(kube::resources::kNamespaces, "",
                 {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", lease_namespace()}}}});
  } catch (const kube::ApiError& e) {
    if (e.kind() != kube::ApiErrorKind::AlreadyExists) throw;
  }
  // One input topic, shared by every Pipeline of the run and left empty:
  // each version's group catches up at once, so what is measured is the
  // operator's own work (see docs/scale.md).
  kafka::KafkaConnection connection;
  connection.bootstrap_servers = bootstrap_;
  kafka::RdKafkaAdmin admin(connection);
  admin.create_topic({input_topic(), 1, 1, {{"cleanup.policy", "delete"}}});
}

void Driver::start_operator(const std::string& log_name) {
  operator_.reset();  // stops the previous one (its Lease is released on a clean stop)
  metrics_port_ = free_local_port();
  const int probe_port = free_local_port();
  const std::string log = options_.log_dir + "/" + log_name + ".log";
  std::vector<std::string> args{"--kubeconfig", required_env("KUBECONFIG"), "--leader-election-namespace",
                               lease_namespace(), "--leader-election-id", "kappa-scale-" + run_,
                               "--metrics-bind-address", "127.0.0.1:" + std::to_string(metrics_port_),
                               "--health-probe-bind-address", "127.0.0.1:" + std::to_string(probe_port),
                               "--lag-poll-interval", std::to_string(options_.lag_poll_interval_seconds) + "s"};
  args.insert(args.end(), options_.operator_args.begin(), options_.operator_args.end());
  operator_ = std::make_unique<OperatorProcess>(options_.operator_binary, args, log);
  ++starts_;
  wait_for("the operator leads (log: " + log + ")", seconds(90), [&] {
    if (!operator_->running()) throw std::runtime_error("the operator exited; read " + log);
    auto body = local_get(metrics_port_, "/metrics", seconds(5));
    return body && Scrape::parse(*body).sum("kappa_operator_leader") == 1;
  });
}

Scrape Driver::scrape_operator() {
  // A busy operator may be slow to answer; a few tries before giving up.
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (auto body = local_get(metrics_port_, "/metrics", seconds(20))) return Scrape::parse(*body);
  }
  throw std::runtime_error("the operator's /metrics did not answer");
}

Scrape Driver::scrape_apiserver() {
  auto response = rest_.send("GET", "/metrics");
  if (!response.ok()) throw std::runtime_error("kube-apiserver /metrics answered " + std::to_string(response.status));
  return Scrape::parse(response.body);
}

void Driver::wait_queue_drained(seconds limit) {
  wait_for("the work queue drains", limit, [&] { return queue_depth(scrape_operator()) == 0; });
}

// The rest window: nothing changes; what does the operator still cost?
void Driver::measure_rest(Figures& out) {
  const int window = options_.rest_seconds;
  note("rest window of " + std::to_string(window) + " s");
  const auto op0 = scrape_operator();
  const auto api0 = scrape_apiserver();
  const double cpu0 = operator_->cpu_seconds();
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(seconds(window));  // a measurement window, not a wait for a condition
  const auto op1 = scrape_operator();
  const auto api1 = scrape_apiserver();
  const double cpu1 = operator_->cpu_seconds();
  const double took = seconds_since(t0);
  out["rss_mb"] = static_cast<double>(operator_->rss_bytes()) / (1024.0 * 1024.0);
  out["cpu_pct"] = 100.0 * (cpu1 - cpu0) / took;
  const char* requests = "kappa_operator_api_requests_total";
  out["api_rps"] = (op1.sum(requests) - op0.sum(requests)) / took;
  const auto before = op0.sum_by(requests, "verb");
  for (const auto& [verb, count] : op1.sum_by(requests, "verb")) {
    const double delta = count - (before.count(verb) ? before.at(verb) : 0);
    if (delta > 0) out["api_rps{" + verb + "}"] = delta / took;
  }
  out["apiserver_rps"] = (api1.sum("apiserver_request_total") - api0.sum("apiserver_request_total")) / took;
  const char* kafka = "kappa_operator_kafka_admin_duration_seconds_count";
  out["kafka_cps"] = (op1.sum(kafka) - op0.sum(kafka)) / took;
  out["queue_depth"] = queue_depth(op1);
}

void Driver::delete_fleet(Fleet& fleet, Figures* figures) {
  note("deleting the fleet (the operator still runs for the finalizers)");
  const auto t0 = Clock::now();
  fleet.delete_namespaces();
  wait_for("the fleet's namespaces gone", seconds(300 + fleet.created()), [&] { return fleet.namespaces_left() == 0; },
           seconds(1));
  if (figures) (*figures)["delete_s"] = seconds_since(t0);
}

void Driver::measure_layout(int namespaces, const std::vector<int>& sizes, std::vector<FleetResult>& results) {
  const int largest = *std::max_element(sizes.begin(), sizes.end());
  FleetSpec spec;
  spec.run = run_ + "-" + std::to_string(namespaces) + "ns";
  spec.size = largest;
  spec.namespaces = std::min(namespaces, largest);
  spec.bootstrap_servers = bootstrap_;
  spec.input_topic = input_topic();
  Fleet fleet(kube_, spec);
  note(spec.run + ": a fresh operator");
  start_operator("operator-" + spec.run);
  ReadyWatch ready(rest_, fleet.label_selector());
  ready.start(seconds(60));
  Arrivals new_reprocessings(rest_, kReprocessings), new_deployments(rest_, kube::resources::kDeployments);
  new_reprocessings.start(seconds(60));
  new_deployments.start(seconds(60));
  try {
    for (int size : sizes) {
      results.push_back({size, spec.namespaces, {}});
      const std::string tag = std::to_string(size) + "x" + std::to_string(spec.namespaces);
      Phase phase{fleet, ready, results.back().figures, tag, seconds(120 + size)};
      grow(phase, size);
      wait_queue_drained(seconds(120));  // the first versions' Standby/retire timers have run out
      measure_rest(phase.f);
      measure_changes(phase, size, new_reprocessings, new_deployments);
      measure_catch_ups(phase, size);
      measure_restart(phase, size);
    }
  } catch (const std::exception&) {
    if (!options_.keep) {
      try {
        delete_fleet(fleet, nullptr);
      } catch (const std::exception& e) {
        note(std::string("cleanup failed too: ") + e.what());
      }
    }
    throw;
  }
  if (!options_.keep) delete_fleet(fleet, &results.back().figures);
}

// Grows the fleet to `size` Pipelines, until all are Ready: reconcile
// latency and queue depth over that window.
void Driver::grow(Phase& p, int size) {
  note(p.tag + ": growing the fleet from " + std::to_string(p.fleet.created()) + " to " + std::to_string(size) +
       " Pipelines");
  const auto c0 = scrape_operator();
  const auto t0 = Clock::now();
  p.fleet.grow_to(size);
  double depth_max = 0;
  int last_ready = -1;
  wait_for(p.tag + ": all Pipelines Ready", p.deadline, [&] {
    depth_max = std::max(depth_max, queue_depth(scrape_operator()));
    const int ready = p.ready.ready();
    if (ready / 100 != last_ready / 100 || ready == size) note(p.tag + ": " + std::to_string(ready) + " Ready");
    last_ready = ready;
    return ready == size;
  }, seconds(2));
  p.f["create_s"] = seconds_since(t0);
  const auto c1 = scrape_operator();
  const char* histogram = "kappa_operator_reconcile_duration_seconds";
  const auto reconciles = bucket_delta(c1.buckets(histogram), c0.buckets(histogram));
  p.f["reconcile_p50_ms"] = 1000 * histogram_quantile(0.5, reconciles);
  p.f["reconcile_p99_ms"] = 1000 * histogram_quantile(0.99, reconciles);
  p.f["queue_depth_max"] = depth_max;
}

// Template changes, one Pipeline at a time, with the rest in place, timed
// to the watch events of the Reprocessing and the Deployment they make.
void Driver::measure_changes(Phase& p, int size, Arrivals& reprocessings, Arrivals& deployments) {
  note(p.tag + ": " + std::to_string(options_.changes) + " template changes");
  const auto ms_between = [](Clock::time_point t0, Clock::time_point t1) {
    return std::chrono::duration<double, std::milli>(t1 - t0).count();
  };
  std::vector<double> to_reprocessing, to_deployment;
  for (int k = 0; k < options_.changes; ++k) {
    const auto& pipeline = p.fleet.pipelines()[static_cast<std::size_t>(k % size)];
    if (k > 0 && k % size == 0) {
      // Round two on the same Pipelines: let round one finish first.
      wait_for(p.tag + ": all Ready between rounds of changes", p.deadline, [&] { return p.ready.ready() == size; },
               seconds(1));
    }
    const auto t0 = Clock::now();
    p.fleet.change_template(pipeline, p.tag + "-change-" + std::to_string(k));
    to_reprocessing.push_back(ms_between(t0, reprocessings.wait_for_new(pipeline.ns, pipeline.name, t0, seconds(120))));
    to_deployment.push_back(ms_between(t0, deployments.wait_for_new(pipeline.ns, pipeline.name, t0, seconds(120))));
  }
  p.f["change_reprocessing_p50_ms"] = percentile(to_reprocessing, 0.5);
  p.f["change_reprocessing_p99_ms"] = percentile(to_reprocessing, 0.99);
  p.f["change_deployment_p50_ms"] = percentile(to_deployment, 0.5);
  p.f["change_deployment_p99_ms"] = percentile(to_deployment, 0.99);
  wait_for(p.tag + ": all Ready after the changes", p.deadline, [&] { return p.ready.ready() == size; }, seconds(1));
}

// Simultaneous catch-ups: lag calls per poll interval and their wall time.
void Driver::measure_catch_ups(Phase& p, int size) {
  const int catch_ups = std::min(options_.catch_ups, size);
  note(p.tag + ": " + std::to_string(catch_ups) + " simultaneous catch-ups");
  const auto l0 = scrape_operator();
  const auto t0 = Clock::now();
  for (int k = 0; k < catch_ups; ++k) p.fleet.change_template(p.fleet.pipelines()[static_cast<std::size_t>(k)], p.tag + "-catch-up");
  std::this_thread::sleep_for(seconds(options_.lag_poll_seconds));  // the measurement window
  const auto l1 = scrape_operator();
  const double window = seconds_since(t0);
  const char* kafka = "kappa_operator_kafka_admin_duration_seconds";
  double lag_calls = 0;
  std::vector<std::pair<double, double>> lag_buckets;
  for (const char* op : {"lag", "lag_batch"}) {
    lag_calls += l1.sum(std::string(kafka) + "_count", {{"operation", op}}) -
                 l0.sum(std::string(kafka) + "_count", {{"operation", op}});
    auto d = bucket_delta(l1.buckets(kafka, {{"operation", op}}), l0.buckets(kafka, {{"operation", op}}));
    if (lag_buckets.empty()) {
      lag_buckets = d;
    } else {
      for (std::size_t i = 0; i < std::min(d.size(), lag_buckets.size()); ++i) lag_buckets[i].second += d[i].second;
    }
  }
  p.f["lag_calls_per_poll"] = lag_calls / (window / options_.lag_poll_interval_seconds);
  p.f["lag_round_p50_ms"] = 1000 * histogram_quantile(0.5, lag_buckets);
  p.f["lag_round_p99_ms"] = 1000 * histogram_quantile(0.99, lag_buckets);
  wait_for(p.tag + ": all Ready after the catch-ups", p.deadline, [&] { return p.ready.ready() == size; }, seconds(1));
  p.f["catch_ups_s"] = seconds_since(t0);
}

// Restart: a clean stop (the Lease is released, so no lease wait), a new
// operator, until every Pipeline is Ready and its queue drained.
void Driver::measure_restart(Phase& p, int size) {
  note(p.tag + ": operator restart");
  operator_->stop();
  const auto t0 = Clock::now();
  start_operator("operator-" + p.tag + "-restarted");
  wait_for(p.tag + ": converged after the restart", p.deadline, [&] {
    const auto s = scrape_operator();
    return s.sum("kappa_operator_reconcile_total", {{"controller", "pipeline"}}) >= size && queue_depth(s) == 0 &&
           p.ready.ready() == size;
  }, seconds(1));
  p.f["restart_s"] = seconds_since(t0);
}

int Driver::main() {
  std::filesystem::create_directories(options_.log_dir);
  std::vector<Limit> limits;
  for (const auto& text : options_.limits) limits.push_back(parse_limit(text));
  auto sizes = parse_ints(options_.sizes);
  std::sort(sizes.begin(), sizes.end());  // one fleet grows through them
  const auto layouts = parse_ints(options_.namespaces);
  if (sizes.empty() || layouts.empty()) throw std::invalid_argument("--sizes and --namespaces need at least one value");

  prepare();
  note("run " + run_ + ": the floor (0 Pipelines)");
  start_operator("operator-floor");
  wait_queue_drained(seconds(60));
  Figures floor;
  measure_rest(floor);

  std::vector<FleetResult> results;
  std::string failure;
  for (int ns : layouts) {
    try {
      measure_layout(ns, sizes, results);
    } catch (const std::exception& e) {
      failure = e.what();
      note("FAILED: " + failure);
      break;
    }
  }
  operator_.reset();
  if (!options_.keep) {
    try {
      kube_.remove(kube::resources::kNamespaces, "", lease_namespace(), {});
    } catch (const kube::ApiError&) {
      // Already gone; nothing to clean.
    }
  }

  std::cout << "## Scale benchmark, run " << run_ << " (lag poll interval " << options_.lag_poll_interval_seconds
            << " s, rest window " << options_.rest_seconds << " s)\n";
  for (int size : sizes) print_size_table(std::cout, size, floor, results);
  print_growth_table(std::cout, results);
  std::cout.flush();

  if (!failure.empty()) {
    std::cout << "\n**Incomplete:** " << failure << " (the tables hold what was measured before)\n";
    std::cerr << "scale_driver: " << failure << "\n";
    return 2;
  }
  const auto broken = check_limits(limits, results);
  for (const auto& line : broken) std::cerr << "LIMIT EXCEEDED: " << line << "\n";
  return broken.empty() ? 0 : 1;
}

}  // namespace
}  // namespace kappa::bench

int main(int argc, char** argv) {
  kappa::bench::Options o;
  CLI::App app{"scale_driver: the real operator at N Pipelines on the local stack (docs/scale.md)"};
  app.add_option("--operator", o.operator_binary, "the kappa-operator binary");
  app.add_option("--sizes", o.sizes, "fleet sizes, comma or space separated");
  app.add_option("--namespaces", o.namespaces, "layouts: namespaces per fleet, e.g. \"1 10\"");
  app.add_option("--changes", o.changes, "template changes timed one by one")->check(CLI::Range(1, 1000));
  app.add_option("--catch-ups", o.catch_ups, "simultaneous catch-ups")->check(CLI::Range(1, 10000));
  app.add_option("--rest-seconds", o.rest_seconds, "length of the rest window")->check(CLI::Range(5, 3600));
  app.add_option("--lag-poll-seconds", o.lag_poll_seconds, "window over which lag calls are counted")->check(CLI::Range(5, 3600));
  app.add_option("--lag-poll-interval", o.lag_poll_interval_seconds, "the operator's --lag-poll-interval, s")->check(CLI::Range(1, 600));
  app.add_option("--log-dir", o.log_dir, "operator logs");
  app.add_option("--limit", o.limits, "'figure<=value': exit 1 when a fleet's figure exceeds it (repeatable)");
  app.add_option("--operator-arg", o.operator_args, "one more operator flag, e.g. --operator-arg=--log-level=debug (repeatable)");
  app.add_flag("--keep", o.keep, "leave the fleets in place");
  CLI11_PARSE(app, argc, argv);
  try {
    // A short run id names every namespace, Lease and topic of this run.
    char run[16];
    std::snprintf(run, sizeof run, "%05lx", static_cast<unsigned long>(std::time(nullptr)) % 0xfffff);
    kappa::bench::Driver driver(o, run);
    return driver.main();
  } catch (const std::exception& e) {
    std::cerr << "scale_driver: " << e.what() << "\n";
    return 2;
  }
}
