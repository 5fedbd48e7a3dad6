// The instance binary of the root tests: main() dispatches exactly as the shim's main must.
#include <cstdio>

#include "shim/runtime/instance_main.h"

int main(int argc, char** argv) {
  if (ws::shim::is_instance_invocation(argc, argv)) return ws::shim::instance_main(argc, argv);
  if (ws::shim::is_fill_invocation(argc, argv)) return ws::shim::fill_main(argc, argv);
  std::fprintf(stderr, "usage: %s instance|fill-cache (started by InstanceRuntime)\n", argv[0]);
  return 2;
}
