// The client on a CRD-backed resource, as the operator's own Pipelines will
// be: CRUD, a stale update refused, and the status subresource.
#include <gtest/gtest.h>

#include "kube/api_error.h"
#include "kube/http_kube_client.h"
#include "support/kube_test_client.h"
#include "support/wait.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using kappa::kube::ApiError;
using kappa::kube::ApiErrorKind;
using kappa::kube::HttpKubeClient;
using kappa::kube::Resource;

const Resource kCrds{"apiextensions.k8s.io", "v1", "customresourcedefinitions", false};
const Resource kWidgets{"test.kappa.dev", "v1", "widgets", true};

json widget_crd() {
  const json schema = {
      {"type", "object"},
      {"properties",
       {{"spec", {{"type", "object"}, {"properties", {{"size", {{"type", "integer"}, {"minimum", 0}}}}}}},
        {"status", {{"type", "object"}, {"properties", {{"phase", {{"type", "string"}}}}}}}}}};
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", "widgets.test.kappa.dev"}}},
          {"spec",
           {{"group", "test.kappa.dev"},
            {"scope", "Namespaced"},
            {"names", {{"plural", "widgets"}, {"singular", "widget"}, {"kind", "Widget"}}},
            {"versions",
             {{{"name", "v1"},
               {"served", true},
               {"storage", true},
               {"subresources", {{"status", json::object()}}},
               {"schema", {{"openAPIV3Schema", schema}}}}}}}}};
}

TEST(CrdClient, CrudConflictAndStatusOnACustomResource) {
  KAPPA_NEEDS_STACK();
  auto rest = kappa::testing::stack_client();
  HttpKubeClient client(*rest);
  try {
    client.create(kCrds, "", widget_crd());
  } catch (const ApiError& e) {
    ASSERT_EQ(e.kind(), ApiErrorKind::AlreadyExists) << e.what();
  }
  // Served once Established; the discovery may lag a moment behind that.
  ASSERT_TRUE(kappa::testing::wait_for(30s, [&] {
    try {
      client.list(kWidgets, "default", {});
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }));

  const std::string name = kappa::testing::unique_name("w");
  json created = client.create(kWidgets, "default",
                               {{"apiVersion", "test.kappa.dev/v1"},
                                {"kind", "Widget"},
                                {"metadata", {{"name", name}}},
                                {"spec", {{"size", 1}}}});
  EXPECT_EQ(created["metadata"]["generation"], 1);

  json updated = created;
  updated["spec"]["size"] = 2;
  updated = client.update(kWidgets, updated);
  EXPECT_EQ(updated["metadata"]["generation"], 2);

  json stale = created;  // still at the first resourceVersion
  stale["spec"]["size"] = 3;
  try {
    client.update(kWidgets, stale);
    FAIL() << "a stale update must be refused";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind(), ApiErrorKind::Conflict);
  }

  json with_status = updated;
  with_status["status"]["phase"] = "Ready";
  with_status["spec"]["size"] = 99;  // ignored on the status subresource
  const json after = client.update_status(kWidgets, with_status);
  EXPECT_EQ(after["status"]["phase"], "Ready");
  EXPECT_EQ(after["spec"]["size"], 2);
  EXPECT_EQ(after["metadata"]["generation"], 2) << "status writes leave generation alone";

  json bad = after;
  bad["spec"]["size"] = -1;
  try {
    client.update(kWidgets, bad);
    FAIL() << "the schema's minimum must be enforced";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind(), ApiErrorKind::Invalid);
    ASSERT_FALSE(e.causes().empty());
    EXPECT_EQ(e.causes()[0].field, "spec.size");
  }

  client.remove(kWidgets, "default", name, {});
  try {
    client.get(kWidgets, "default", name);
    FAIL() << "deleted widget still readable";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind(), ApiErrorKind::NotFound);
  }
}

}  // namespace
