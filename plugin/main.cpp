// kubectl-kappa: the kubectl plugin for kappa.dev Pipelines. Flags and
// error reporting here; each command lives in its own file.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "api/duration.h"
#include "kube/api_error.h"
#include "kube/http_kube_client.h"
#include "kube/in_cluster_config.h"
#include "plugin/commands.h"

namespace {

volatile std::sig_atomic_t g_interrupted = 0;
void on_interrupt(int) { g_interrupted = 1; }

std::chrono::milliseconds duration_flag(const std::string& name, const std::string& text) {
  try {
    return kappa::api::parse_duration(text);
  } catch (const std::exception& e) {
    throw kappa::plugin::CommandError(name + ": " + e.what());
  }
}

// cpprestsdk's static teardown can hang at exit, so leave without it.
[[noreturn]] void leave(int code) {
  std::cout.flush();
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);
}

CLI::App* pipeline_command(CLI::App& app, const char* name, const char* help, std::string& pipeline) {
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->add_option("PIPELINE", pipeline, "name of the Pipeline")->required();
  return cmd;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kappa::plugin;
  CLI::App app{"kubectl kappa: inspect and steer kappa.dev Pipelines (versions, reprocessings, rollbacks, batch runs)",
               "kubectl-kappa"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the command: kubectl kappa status p -n demo
  std::string kubeconfig, context, ns;
  app.add_option("--kubeconfig", kubeconfig, "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)");
  app.add_option("--context", context, "kubeconfig context (default: current-context)");
  app.add_option("-n,--namespace", ns, "namespace (default: the context's namespace)");

  std::string pipeline, interval = "1s", timeout = "30s";
  bool watch = false;
  int64_t to_version = 0;
  CLI::App* status = pipeline_command(app, "status", "versions of a pipeline and the candidate's progress", pipeline);
  status->add_flag("-w,--watch", watch, "redraw every --interval until Ctrl-C");
  status->add_option("--interval", interval, "redraw interval of --watch (e.g. 1s, 500ms)");
  CLI::App* history = pipeline_command(app, "history", "every reprocessing of a pipeline, by version", pipeline);
  CLI::App* promote =
      pipeline_command(app, "promote", "promote the pipeline's Promotable candidate (spec.promote)", pipeline);
  CLI::App* abort_cmd = pipeline_command(app, "abort", "abort the pipeline's candidate (spec.abort)", pipeline);
  CLI::App* rollback =
      pipeline_command(app, "rollback", "switch serving back to the previous (or a given) warm version", pipeline);
  rollback->add_option("--to-version", to_version, "version to roll back to (default: the previous one)")
      ->check(CLI::PositiveNumber);
  rollback->add_option("--timeout", timeout, "how long to wait for the operator's answer");
  CLI::App* pause = pipeline_command(app, "pause", "stop the operator changing the pipeline (spec.paused)", pipeline);
  CLI::App* resume = pipeline_command(app, "resume", "let the operator reconcile the pipeline again", pipeline);
  CLI::App* batch = pipeline_command(
      app, "batch", "start a new generation of a Lambda pipeline now (annotation kappa.dev/batch-now)", pipeline);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help is success; any usage error is exit 1, as kubectl's own.
    leave(app.exit(e) == 0 ? 0 : 1);
  }

  try {
    const auto config = kappa::kube::load_client_config(
        kubeconfig, context.empty() ? std::nullopt : std::optional<std::string>(context));
    kappa::kube::RestClient rest(config, std::chrono::seconds(15));
    kappa::kube::HttpKubeClient client(rest);
    Target target{client, ns.empty() ? config.default_namespace : ns};
    std::ostream& out = std::cout;
    int code = 0;
    if (status->parsed()) {
      StatusOptions options;
      options.watch = watch;
      options.interval = duration_flag("--interval", interval);
      options.clear_screen = isatty(STDOUT_FILENO);
      options.stop = [] { return g_interrupted != 0; };
      std::signal(SIGINT, on_interrupt);
      std::signal(SIGTERM, on_interrupt);
      code = status_command(target, pipeline, options, out);
    } else if (history->parsed()) {
      code = history_command(target, pipeline, out);
    } else if (promote->parsed()) {
      code = promote_command(target, pipeline, out);
    } else if (abort_cmd->parsed()) {
      code = abort_command(target, pipeline, out);
    } else if (rollback->parsed()) {
      RollbackOptions options;
      if (to_version > 0) options.to_version = to_version;
      options.timeout = duration_flag("--timeout", timeout);
      code = rollback_command(target, pipeline, options, out);
    } else if (pause->parsed() || resume->parsed()) {
      code = pause_command(target, pipeline, pause->parsed(), out);
    } else if (batch->parsed()) {
      code = batch_command(target, pipeline, out);
    }
    leave(code);
  } catch (const kappa::kube::ApiError& e) {
    std::cerr << "error: " << e.message() << " (" << kappa::kube::to_string(e.kind()) << ")\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
  }
  leave(1);
}
