#include "metrics_source.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cpprest/http_client.h>
#include <stdexcept>

namespace kappa::bench {

std::optional<std::string> local_get(int port, const std::string& path, std::chrono::milliseconds timeout) {
  web::http::client::http_client_config config;
  config.set_timeout(timeout);
  try {
    web::http::client::http_client client("http://127.0.0.1:" + std::to_string(port), config);
    auto response = client.request(web::http::methods::GET, path).get();
    if (response.status_code() != 200) return std::nullopt;
    return response.extract_utf8string(true).get();
  } catch (const std::exception&) {
    return std::nullopt;  // not listening (yet), or too slow: the caller polls again
  }
}

int free_local_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!ok) throw std::runtime_error("no free port on 127.0.0.1");
  return ntohs(address.sin_port);
}

}  // namespace kappa::bench
