#pragma once
// A test fixture with a client for the local stack and a namespace of its
// own, created before and deleted after each test.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "kube/http_kube_client.h"
#include "support/kube_test_client.h"

namespace kappa::testing {

class NamespacedTest : public ::testing::Test {
 protected:
  explicit NamespacedTest(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    KAPPA_NEEDS_STACK();
    rest_ = stack_client();
    client_ = std::make_unique<kube::HttpKubeClient>(*rest_);
    ns_ = unique_name(prefix_);
    client_->create(kube::resources::kNamespaces, "",
                    {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns_}}}});
  }
  void TearDown() override {
    if (client_) client_->remove(kube::resources::kNamespaces, "", ns_, {});
  }

  std::string prefix_;
  std::unique_ptr<kube::RestClient> rest_;
  std::unique_ptr<kube::HttpKubeClient> client_;
  std::string ns_;
};

}  // namespace kappa::testing
