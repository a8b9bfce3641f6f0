#pragma once
// What a stream run's HTTP API serves, and where it comes from: the output
// topic's rows (a Kappa version), or, in a Lambda speed layer, merge(batch,
// speed) of the batch run's and its own state changelog.
#include <memory>
#include <string>
#include <vector>

#include "core/merged_view.h"
#include "core/serving_table.h"
#include "core/settings.h"
#include "core/view_definition.h"
#include "runtime/kafka_clients.h"
#include "runtime/metrics.h"
#include "runtime/table_materializer.h"

namespace kappa::processor {

// The readers that fill `table` (through `merged` in a speed layer); not
// started. A windowed view serves its state changelog rendered as rows: an
// evicted window's tombstone takes it out of the served table, while the
// output topic keeps every window's last row.
std::vector<std::unique_ptr<TableMaterializer>> serving_readers(const KafkaClients& clients, const Settings& s,
                                                                const ViewDefinition& view, ServingTable& table,
                                                                MergedView& merged, Metrics& metrics);

// ServingApi::Hooks::answer_context: a speed layer's generation and snapshot.
std::string answer_context(const Settings& s);

}  // namespace kappa::processor
