#include "report.h"

#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>

namespace kappa::bench {
namespace {

std::string format(std::optional<double> v) {
  if (!v || std::isnan(*v)) return "–";
  char text[32];
  const double a = std::fabs(*v);
  std::snprintf(text, sizeof text, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 0.1 ? "%.2f" : "%.3f", *v);
  return text;
}

std::optional<double> get(const Figures& f, const std::string& name) {
  auto it = f.find(name);
  if (it == f.end()) return std::nullopt;
  return it->second;
}

std::string layout(int namespaces) { return std::to_string(namespaces) + (namespaces == 1 ? " namespace" : " namespaces"); }

// Catalogue entries plus any per-verb figure the results hold.
std::vector<FigureInfo> rows(const std::vector<const Figures*>& all) {
  std::vector<FigureInfo> out = figure_catalogue();
  std::set<std::string> known;
  for (const auto& f : out) known.insert(f.name);
  std::set<std::string> extra;
  for (const auto* f : all) {
    for (const auto& [name, value] : *f) {
      if (!known.count(name)) extra.insert(name);
    }
  }
  for (const auto& name : extra) out.push_back({name, ""});
  return out;
}

}  // namespace

const std::vector<FigureInfo>& figure_catalogue() {
  static const std::vector<FigureInfo> catalogue{
      {"rss_mb", "operator RSS at rest, MB"},
      {"cpu_pct", "operator CPU at rest, % of one core"},
      {"api_rps", "operator API requests/s at rest (all verbs)"},
      {"apiserver_rps", "kube-apiserver requests/s at rest, every client (cross-check)"},
      {"kafka_cps", "operator Kafka admin calls/s at rest"},
      {"queue_depth", "work-queue depth at rest (all queues)"},
      {"create_s", "create N Pipelines until all Ready, s"},
      {"reconcile_p50_ms", "reconcile p50 while the fleet is created, ms"},
      {"reconcile_p99_ms", "reconcile p99 while the fleet is created, ms"},
      {"queue_depth_max", "highest work-queue depth seen while the fleet is created"},
      {"change_reprocessing_p50_ms", "template change to its Reprocessing, p50 ms"},
      {"change_reprocessing_p99_ms", "template change to its Reprocessing, p99 ms"},
      {"change_deployment_p50_ms", "template change to the new Deployment, p50 ms"},
      {"change_deployment_p99_ms", "template change to the new Deployment, p99 ms"},
      {"lag_calls_per_poll", "Kafka lag calls per lag-poll interval during the catch-ups"},
      {"lag_round_p50_ms", "one lag call's wall time during the catch-ups, p50 ms"},
      {"lag_round_p99_ms", "one lag call's wall time during the catch-ups, p99 ms"},
      {"catch_ups_s", "simultaneous catch-ups: changes until all Ready again, s"},
      {"restart_s", "operator restart until all Ready and the queue drained, s"},
      {"delete_s", "delete the fleet's namespaces until gone, s"},
  };
  return catalogue;
}

void print_size_table(std::ostream& out, int size, const Figures& floor, const std::vector<FleetResult>& results) {
  std::vector<const FleetResult*> here;
  std::vector<const Figures*> all{&floor};
  for (const auto& r : results) {
    if (r.size == size) {
      here.push_back(&r);
      all.push_back(&r.figures);
    }
  }
  out << "\n### " << size << " Pipelines\n\n| figure | floor (0 Pipelines) |";
  for (const auto* r : here) out << " " << layout(r->namespaces) << " |";
  out << "\n|---|---:|";
  for (std::size_t i = 0; i < here.size(); ++i) out << "---:|";
  out << "\n";
  for (const auto& row : rows(all)) {
    out << "| " << (row.what.empty() ? row.name : row.what + " (`" + row.name + "`)") << " | "
        << format(get(floor, row.name)) << " |";
    for (const auto* r : here) out << " " << format(get(r->figures, row.name)) << " |";
    out << "\n";
  }
}

void print_growth_table(std::ostream& out, const std::vector<FleetResult>& results) {
  std::set<int> sizes, layouts;
  for (const auto& r : results) {
    sizes.insert(r.size);
    layouts.insert(r.namespaces);
  }
  if (sizes.size() < 2) return;
  auto find = [&](int size, int ns) -> const Figures* {
    for (const auto& r : results) {
      if (r.size == size && r.namespaces == ns) return &r.figures;
    }
    return nullptr;
  };
  std::vector<std::pair<int, int>> steps;  // (from, to)
  for (auto it = sizes.begin(); std::next(it) != sizes.end(); ++it) steps.emplace_back(*it, *std::next(it));
  out << "\n### Growth per step (ratio of the larger fleet's figure to the smaller's)\n\n| figure |";
  for (int ns : layouts) {
    for (const auto& [from, to] : steps) out << " " << from << " → " << to << ", " << layout(ns) << " |";
  }
  out << "\n|---|";
  for (std::size_t i = 0; i < layouts.size() * steps.size(); ++i) out << "---:|";
  out << "\n";
  for (const auto& row : figure_catalogue()) {
    out << "| `" << row.name << "` |";
    for (int ns : layouts) {
      for (const auto& [from, to] : steps) {
        const auto* a = find(from, ns);
        const auto* b = find(to, ns);
        std::optional<double> ratio;
        if (a && b) {
          auto x = get(*a, row.name), y = get(*b, row.name);
          if (x && y && *x > 0) ratio = *y / *x;
        }
        out << " " << (ratio ? format(ratio) + "×" : "–") << " |";
      }
    }
    out << "\n";
  }
}

Limit parse_limit(const std::string& text) {
  const auto at = text.find("<=");
  if (at == std::string::npos || at == 0 || at + 2 >= text.size()) {
    throw std::invalid_argument("--limit '" + text + "': want figure<=value");
  }
  Limit limit{text.substr(0, at), 0};
  std::size_t used = 0;
  try {
    limit.max = std::stod(text.substr(at + 2), &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() - at - 2) throw std::invalid_argument("--limit '" + text + "': not a number after <=");
  return limit;
}

std::vector<std::string> check_limits(const std::vector<Limit>& limits, const std::vector<FleetResult>& results) {
  std::vector<std::string> broken;
  for (const auto& r : results) {
    for (const auto& l : limits) {
      const auto v = get(r.figures, l.figure);
      const std::string where = std::to_string(r.size) + " Pipelines, " + layout(r.namespaces) + ": ";
      if (!v || std::isnan(*v)) {
        broken.push_back(where + l.figure + " was not measured (limit " + format(l.max) + ")");
      } else if (*v > l.max) {
        broken.push_back(where + l.figure + " = " + format(*v) + " exceeds its limit " + format(l.max));
      }
    }
  }
  return broken;
}

}  // namespace kappa::bench
