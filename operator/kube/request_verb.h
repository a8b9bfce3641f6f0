#pragma once
#include <string>

namespace kappa::kube {

// The API server's verb for a request (what its apiserver_request_total
// counts): a GET of a collection is LIST, one with watch=true is WATCH, a
// GET of one object is GET; other methods are their own name. Counting by
// these verbs shows at a glance whether a controller lists per reconcile.
std::string request_verb(const std::string& method, const std::string& path_and_query);

}  // namespace kappa::kube
