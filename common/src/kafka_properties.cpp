#include "kappa/common/kafka_properties.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <stdexcept>

namespace kappa::kafka {
namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

}  // namespace

std::string property_name_from_env(const std::string& suffix) {
  std::string name;
  name.reserve(suffix.size());
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    const char c = suffix[i];
    if (c == '_') {
      if (i + 1 < suffix.size() && suffix[i + 1] == '_') {
        name.push_back('_');
        ++i;
      } else {
        name.push_back('.');
      }
    } else {
      name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return name;
}

Properties properties_from_env(char** environment, const std::string& prefix) {
  Properties out;
  if (!environment) return out;
  for (char** entry = environment; *entry; ++entry) {
    const std::string text(*entry);
    if (text.rfind(prefix, 0) != 0) continue;
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == prefix.size()) continue;
    out.emplace_back(property_name_from_env(text.substr(prefix.size(), eq - prefix.size())),
                     text.substr(eq + 1));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::pair<std::string, std::string> parse_property_assignment(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) {
    throw std::invalid_argument("Kafka property '" + text + "' is not of the form name=value");
  }
  auto name = trim(text.substr(0, eq));
  if (name.empty()) throw std::invalid_argument("Kafka property assignment has an empty name");
  return {std::move(name), trim(text.substr(eq + 1))};
}

Properties properties_from_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read Kafka properties file '" + path + "'");
  Properties out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const auto text = trim(line);
    if (text.empty() || text[0] == '#' || text[0] == '!') continue;
    try {
      out.push_back(parse_property_assignment(text));
    } catch (const std::invalid_argument&) {
      throw std::invalid_argument("Kafka properties file '" + path + "' line " + std::to_string(number) +
                                  ": expected name=value");
    }
  }
  return out;
}

}  // namespace kappa::kafka
