// API requests are counted under the API server's own verbs, so LIST and
// WATCH are told apart from GET (a List per reconcile would show at once).
#include "kube/request_verb.h"

#include <gtest/gtest.h>

namespace kappa::kube {
namespace {

TEST(RequestVerb, AGetOfACollectionIsListAndOneWithWatchIsWatch) {
  EXPECT_EQ(request_verb("GET", "/apis/kappa.dev/v1alpha1/namespaces/team/pipelines?limit=100"), "LIST");
  EXPECT_EQ(request_verb("GET", "/apis/kappa.dev/v1alpha1/pipelines"), "LIST");
  EXPECT_EQ(request_verb("GET", "/api/v1/pods?labelSelector=a%3Db"), "LIST");
  EXPECT_EQ(request_verb("GET", "/api/v1/namespaces/team/pods"), "LIST");
  EXPECT_EQ(request_verb("GET", "/api/v1/namespaces/team/pods?watch=true&resourceVersion=5"), "WATCH");
  EXPECT_EQ(request_verb("GET", "/apis/apps/v1/deployments?allowWatchBookmarks=true&watch=1"), "WATCH");
}

TEST(RequestVerb, AGetOfOneObjectIsGet) {
  EXPECT_EQ(request_verb("GET", "/api/v1/namespaces/team/services/stats"), "GET");
  EXPECT_EQ(request_verb("GET", "/apis/apps/v1/namespaces/team/deployments/stats-v2/status"), "GET");
  EXPECT_EQ(request_verb("GET", "/api/v1/namespaces/team"), "GET") << "one Namespace";
  EXPECT_EQ(request_verb("GET", "/api/v1/namespaces"), "LIST");
  EXPECT_EQ(request_verb("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/kappa"), "GET");
  EXPECT_EQ(request_verb("GET", "/api/v1/namespaces/team/secrets/kafka?watchful=true"), "GET");
}

TEST(RequestVerb, OtherMethodsAreTheirOwnVerb) {
  EXPECT_EQ(request_verb("PATCH", "/apis/kappa.dev/v1alpha1/namespaces/team/pipelines/stats/status"), "PATCH");
  EXPECT_EQ(request_verb("PUT", "/api/v1/namespaces/team/services/stats"), "PUT");
  EXPECT_EQ(request_verb("POST", "/api/v1/namespaces/team/events"), "POST");
  EXPECT_EQ(request_verb("DELETE", "/apis/apps/v1/namespaces/team/deployments/x"), "DELETE");
}

}  // namespace
}  // namespace kappa::kube
