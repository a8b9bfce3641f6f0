#pragma once
// The figures of one measured fleet, the markdown tables printed from them,
// and the --limit checks of the guard test.
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace kappa::bench {

// figure name -> value; a figure not measured is absent.
using Figures = std::map<std::string, double>;

struct FleetResult {
  int size = 0;
  int namespaces = 1;
  Figures figures;
};

// What each figure is, in the order the tables list them.
struct FigureInfo {
  std::string name;
  std::string what;
};
const std::vector<FigureInfo>& figure_catalogue();

// One table per size: each figure for the floor and for each layout.
void print_size_table(std::ostream& out, int size, const Figures& floor, const std::vector<FleetResult>& results);
// Growth per 10x Pipelines (ratio of one size's figure to the previous
// size's, per layout).
void print_growth_table(std::ostream& out, const std::vector<FleetResult>& results);

// 'figure<=value'; throws std::invalid_argument for any other form.
struct Limit {
  std::string figure;
  double max = 0;
};
Limit parse_limit(const std::string& text);
// One line per figure above its limit (a missing figure fails too).
std::vector<std::string> check_limits(const std::vector<Limit>& limits, const std::vector<FleetResult>& results);

}  // namespace kappa::bench
