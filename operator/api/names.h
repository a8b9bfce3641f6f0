#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/resource.h"

namespace kappa::api {

inline const kube::Resource kPipelines{"kappa.dev", "v1alpha1", "pipelines", true};
inline const kube::Resource kReprocessings{"kappa.dev", "v1alpha1", "reprocessings", true};
inline constexpr const char* kApiVersion = "kappa.dev/v1alpha1";

// Labels every object of a version carries (docs/design.md, §3.5).
inline constexpr const char* kLabelPipeline = "kappa.dev/pipeline";
inline constexpr const char* kLabelVersion = "kappa.dev/version";
inline constexpr const char* kLabelReprocessing = "kappa.dev/reprocessing";
inline constexpr const char* kLabelTemplateHash = "kappa.dev/template-hash";
inline constexpr const char* kLabelName = "app.kubernetes.io/name";
inline constexpr const char* kLabelManagedBy = "app.kubernetes.io/managed-by";
inline constexpr const char* kManagedBy = "kappa-operator";

// Annotations the operator keeps its durable bookkeeping in.
inline constexpr const char* kAnnotationStartOffsets = "kappa.dev/start-offsets";
inline constexpr const char* kAnnotationStandbySince = "kappa.dev/standby-since";
inline constexpr const char* kAnnotationPromotedAt = "kappa.dev/promoted-at";
inline constexpr const char* kAnnotationPreviousVersion = "kappa.dev/previous-version";
inline constexpr const char* kAnnotationSwitchedAt = "kappa.dev/switched-at";
// On the Service, written with a rollback's selector flip: the template
// rolled away from, not to be rolled out again until the spec changes.
// (The Service is read fresh each reconcile; a cached status could be stale.)
inline constexpr const char* kAnnotationRolledBackTemplate = "kappa.dev/rolled-back-template";
// Set on a Pipeline by a user (or kubectl kappa rollback) to flip serving
// back to the warm previous version.
inline constexpr const char* kAnnotationRollback = "kappa.dev/rollback";
// Set by the operator on a Pipeline when it takes a rollback request, in
// the same write that removes kappa.dev/rollback: {"from": N, "to": M}, the
// absolute flip still to make. Removed once the Service selects M, so a
// retry after any crash finishes that flip instead of reading the request
// again (which would flip serving back).
inline constexpr const char* kAnnotationRollbackPending = "kappa.dev/rollback-pending";
// Set on a Lambda Pipeline by a user (or kubectl kappa batch) to start a
// new generation now; the operator removes it once it has started one.
inline constexpr const char* kAnnotationBatchNow = "kappa.dev/batch-now";

inline constexpr const char* kFinalizer = "kappa.dev/cleanup";
inline constexpr const char* kFieldManager = "kappa-operator";

// Names of version N of a pipeline.
std::string deployment_name(const std::string& pipeline, int64_t version);
std::string consumer_group(const std::string& ns, const std::string& pipeline, int64_t version);
// "<prefix><pipeline>.v<N>"; the prefix defaults to "<namespace>.".
std::string output_topic(const std::string& prefix, const std::string& pipeline, int64_t version);
// The reference processor's state changelog for an output topic.
std::string state_topic(const std::string& output_topic);
// A repartitioning processor's topic (spec.input.keying: Any):
// "<group>-kappa-repartition", named from its consumer group as Kafka
// Streams names its internal topics, so it goes with the group
// (streams_internal_topic_of knows it).
std::string repartition_topic(const std::string& consumer_group);
std::string group_prefix(const std::string& ns, const std::string& pipeline);
// Lambda mode (docs/lambda.md): generation N's batch run, a Job
// "<pipeline>-v<N>-batch" with group "kappa.<ns>.<pipeline>.v<N>.batch"
// writing "<output topic>.batch" (and that one's state changelog).
std::string batch_job_name(const std::string& pipeline, int64_t version);
std::string batch_consumer_group(const std::string& ns, const std::string& pipeline, int64_t version);
std::string batch_table(const std::string& output_topic);

// The version a consumer group or topic name of this pipeline stands for;
// nothing for names of other pipelines (a pipeline "a.v1" must not match "a").
std::optional<int64_t> version_of_group(const std::string& group, const std::string& ns,
                                        const std::string& pipeline);
std::optional<int64_t> version_of_topic(const std::string& topic, const std::string& prefix,
                                        const std::string& pipeline);

// Why a Pipeline name is refused, if it is: it must be a DNS label (at most
// 63 of a-z, 0-9 and '-'): it is a label value, and no dots keep the Kafka
// names built from it unambiguous.
std::optional<std::string> pipeline_name_problem(const std::string& name);
// Why a topic prefix is refused, if it is: it must be "<namespace>." followed
// by any dot-ended segments of Kafka's topic characters, so a Pipeline can
// only spell topic names inside its own namespace's space.
std::optional<std::string> topic_prefix_problem(const std::string& prefix, const std::string& ns);

// Whether a name is one version N of this Pipeline may own: its consumer
// group (or its batch run's), or a topic
// "<ns>.[<segments>.]<pipeline>.v<N>[.batch][.state]". The last
// word before any Kafka deletion: a tampered record cannot reach past it.
bool group_in_pipeline_space(const std::string& group, const std::string& ns, const std::string& pipeline,
                             int64_t version);
bool topic_in_pipeline_space(const std::string& topic, const std::string& ns, const std::string& pipeline,
                             int64_t version);
// Whether a topic is an internal topic a Kafka Streams processor made for
// the application (= consumer group) `group`: "<group>-<name>" ending in
// -changelog, -repartition or -topic, with no dot in <name>. Every name the
// operator spells has a dot after the group's length, so none matches.
bool streams_internal_topic_of(const std::string& topic, const std::string& group);

// The version label of an object, if it has a valid one.
std::optional<int64_t> version_label(const nlohmann::json& object);

// The labels every object of version N carries.
nlohmann::json version_labels(const std::string& pipeline, int64_t version);

// An ownerReference making `owner` the controller of another object.
nlohmann::json controller_reference(const nlohmann::json& owner);
bool is_controlled_by(const nlohmann::json& object, const nlohmann::json& owner);

}  // namespace kappa::api
