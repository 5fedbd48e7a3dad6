// The hidden `instance` mode of the shim binary: one guest process, started by InstanceRuntime.
#pragma once

namespace ws::shim {

// True when argv asks for the instance mode (`<binary> instance`). The shim's main must test this
// first, before it starts any thread or reads flags, and then return instance_main(argc, argv).
bool is_instance_invocation(int argc, char** argv);

// Runs the instance protocol on descriptor 3 (setup, namespaces and mounts, module load, ready,
// wait for start) and then the guest; never returns normally (the process exits with the
// guest's status).
int instance_main(int argc, char** argv);

// `<binary> fill-cache`: reads a module from descriptor 3 (the memfd an instance passed with its
// ready answer) and starts the background fill of the code cache with it (engine::Engine::
// start_background_fill: detached, idle priority, this process's cgroup, the cache named by
// $WASMSHIM_CACHE_DIR as for the instances); exits at once. 0 also when nothing needs filling.
bool is_fill_invocation(int argc, char** argv);
int fill_main(int argc, char** argv);

}  // namespace ws::shim
