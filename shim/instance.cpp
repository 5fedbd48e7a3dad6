// containerd-shim-wasm-v1-instance: the instance process of one container, exec'd by the shim
// server. The same code as the shim's hidden `instance` mode, linked without gRPC, protobuf
// and the task service: one exec per container loads less, and relocates less data (PSS).
#include <cstdio>

#include "shim/runtime/instance_main.h"

int main(int argc, char** argv) {
  if (ws::shim::is_instance_invocation(argc, argv)) return ws::shim::instance_main(argc, argv);
  if (ws::shim::is_fill_invocation(argc, argv)) return ws::shim::fill_main(argc, argv);
  std::fprintf(stderr, "usage: %s instance|fill-cache (exec'd by containerd-shim-wasm-v1)\n",
               argv[0]);
  return 2;
}
