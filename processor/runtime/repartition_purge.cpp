#include "runtime/repartition_purge.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <stdexcept>
#include <utility>

#include "kappa/common/rdkafka_handles.h"

namespace kappa::processor {
namespace {

namespace rk = kappa::rdkafka;
using PartitionList =
    std::unique_ptr<rd_kafka_topic_partition_list_t,
                    rk::Deleter<rd_kafka_topic_partition_list_t, rd_kafka_topic_partition_list_destroy>>;
using ListOffsets =
    std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t,
                    rk::Deleter<rd_kafka_ListConsumerGroupOffsets_t, rd_kafka_ListConsumerGroupOffsets_destroy>>;
using DeleteRecords =
    std::unique_ptr<rd_kafka_DeleteRecords_t, rk::Deleter<rd_kafka_DeleteRecords_t, rd_kafka_DeleteRecords_destroy>>;

// The admin request's answer on `queue` within the timeout (and a margin:
// the broker's own timeout comes first). Throws std::runtime_error.
rk::Event answer(rd_kafka_queue_t* queue, std::chrono::milliseconds timeout, const char* what) {
  rk::Event event(rd_kafka_queue_poll(queue, static_cast<int>(timeout.count()) + 5000));
  if (!event) throw std::runtime_error(std::string("no answer to ") + what);
  if (rd_kafka_event_error(event.get())) {
    throw std::runtime_error(std::string(what) + ": " + rd_kafka_event_error_string(event.get()));
  }
  return event;
}

rk::AdminOptions options_of(rd_kafka_t* client, rd_kafka_admin_op_t op, std::chrono::milliseconds timeout) {
  char error[256];
  rk::AdminOptions options(rd_kafka_AdminOptions_new(client, op));
  rd_kafka_AdminOptions_set_request_timeout(options.get(), static_cast<int>(timeout.count()), error, sizeof error);
  return options;
}

}  // namespace

RepartitionPurge::RepartitionPurge(RdKafka::Handle& handle, std::string group, std::string topic, int32_t partitions,
                                   std::chrono::milliseconds timeout)
    : handle_(handle), group_(std::move(group)), topic_(std::move(topic)), partitions_(partitions), timeout_(timeout) {}

int RepartitionPurge::run() {
  try {
    auto offsets = committed();
    std::erase_if(offsets, [&](const auto& entry) {
      const auto last = purged_.find(entry.first);
      return entry.second <= 0 || (last != purged_.end() && last->second >= entry.second);
    });
    if (offsets.empty()) return 0;
    const int purged = delete_below(offsets);
    spdlog::debug("purged {} partitions of {} below the committed offsets", purged, topic_);
    return purged;
  } catch (const std::exception& e) {
    spdlog::warn("cannot purge {} (the next purge tries again): {}", topic_, e.what());
    return 0;
  }
}

std::map<int32_t, int64_t> RepartitionPurge::committed() {
  rd_kafka_t* client = handle_.c_ptr();
  PartitionList partitions(rd_kafka_topic_partition_list_new(partitions_));
  for (int32_t p = 0; p < partitions_; ++p) rd_kafka_topic_partition_list_add(partitions.get(), topic_.c_str(), p);
  ListOffsets request(rd_kafka_ListConsumerGroupOffsets_new(group_.c_str(), partitions.get()));
  const auto options = options_of(client, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout_);
  const rk::Queue queue(rd_kafka_queue_new(client));
  rd_kafka_ListConsumerGroupOffsets_t* requests[] = {request.get()};
  rd_kafka_ListConsumerGroupOffsets(client, requests, 1, options.get(), queue.get());
  const auto event = answer(queue.get(), timeout_, "listing the group's committed offsets");
  std::size_t count = 0;
  const auto* groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(event.get()), &count);
  std::map<int32_t, int64_t> out;
  if (count != 1) return out;
  if (const auto* error = rd_kafka_group_result_error(groups[0])) {
    throw std::runtime_error(std::string("listing the group's committed offsets: ") + rd_kafka_error_string(error));
  }
  const auto* listed = rd_kafka_group_result_partitions(groups[0]);
  for (int i = 0; listed && i < listed->cnt; ++i) {
    const auto& tp = listed->elems[i];
    if (tp.err == RD_KAFKA_RESP_ERR_NO_ERROR && tp.offset >= 0) out[tp.partition] = tp.offset;
  }
  return out;
}

int RepartitionPurge::delete_below(const std::map<int32_t, int64_t>& offsets) {
  rd_kafka_t* client = handle_.c_ptr();
  PartitionList before(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [partition, offset] : offsets) {
    rd_kafka_topic_partition_list_add(before.get(), topic_.c_str(), partition)->offset = offset;
  }
  DeleteRecords request(rd_kafka_DeleteRecords_new(before.get()));
  auto options = options_of(client, RD_KAFKA_ADMIN_OP_DELETERECORDS, timeout_);
  char error[256];
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), static_cast<int>(timeout_.count()), error, sizeof error);
  const rk::Queue queue(rd_kafka_queue_new(client));
  rd_kafka_DeleteRecords_t* requests[] = {request.get()};
  rd_kafka_DeleteRecords(client, requests, 1, options.get(), queue.get());
  const auto event = answer(queue.get(), timeout_, "deleting records");
  const auto* result = rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event.get()));
  int purged = 0;
  for (int i = 0; result && i < result->cnt; ++i) {
    const auto& tp = result->elems[i];
    if (tp.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::warn("cannot purge {}[{}]: {}", topic_, tp.partition, rd_kafka_err2str(tp.err));
      continue;
    }
    purged_[tp.partition] = offsets.at(tp.partition);
    ++purged;
  }
  return purged;
}

}  // namespace kappa::processor
