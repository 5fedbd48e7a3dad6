# Compiles C sources into wasm32-wasi modules with clang and Debian's multiarch wasi-libc.
#
# ws_wasm32_wasi_module(NAME
#                       SOURCES a.c [b.c ...]
#                       [CFLAGS flag ...]     # replaces the default -O2
#                       [LDFLAGS flag ...]    # extra link flags, e.g. -Wl,--export=foo
#                       [KEEP_DEBUG])         # keep DWARF (Debian's libc.a carries a lot of it)
#
# Produces ${CMAKE_CURRENT_BINARY_DIR}/NAME.wasm through custom commands (one object per source,
# header dependencies tracked by depfiles) and a custom target NAME that tests can depend on.
# The module path is published as the variable NAME_WASM in the caller's scope and as the
# property WASM_FILE of target NAME:
#   get_target_property(path NAME WASM_FILE)
#
# Debian's wasi-libc lives in /usr/include/wasm32-wasi and /usr/lib/wasm32-wasi, which clang's
# wasm32-wasi driver searches by default, so no --sysroot is passed. The compiler runtime comes
# from libclang-rt-14-dev-wasm32 and the linker (wasm-ld) from lld-14.

find_program(WS_WASI_CLANG NAMES clang-14 clang
             DOC "clang used to compile wasm32-wasi guest modules")

set(WS_WASI_TARGET "wasm32-wasi" CACHE STRING "clang target triple for guest modules")
set(WS_WASI_DEFAULT_CFLAGS -O2)

function(ws_wasm32_wasi_module name)
  cmake_parse_arguments(WW "KEEP_DEBUG" "" "SOURCES;CFLAGS;LDFLAGS" ${ARGN})
  if(NOT WW_SOURCES)
    message(FATAL_ERROR "ws_wasm32_wasi_module(${name}): no SOURCES given")
  endif()
  if(WW_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ws_wasm32_wasi_module(${name}): unexpected ${WW_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT WS_WASI_CLANG)
    message(FATAL_ERROR "ws_wasm32_wasi_module(${name}): clang not found (install clang-14, "
                        "wasi-libc, libclang-rt-14-dev-wasm32 and lld-14: make deps)")
  endif()

  set(cflags ${WS_WASI_DEFAULT_CFLAGS})
  if(WW_CFLAGS)
    set(cflags ${WW_CFLAGS})
  endif()
  set(ldflags ${WW_LDFLAGS})
  if(NOT WW_KEEP_DEBUG)
    list(APPEND ldflags -Wl,--strip-debug)
  endif()

  set(out "${CMAKE_CURRENT_BINARY_DIR}/${name}.wasm")
  set(objdir "${CMAKE_CURRENT_BINARY_DIR}/${name}.wasm.dir")
  set(launcher)
  if(CCACHE_PROGRAM)
    set(launcher "${CCACHE_PROGRAM}")
  endif()

  set(objects)
  foreach(src IN LISTS WW_SOURCES)
    get_filename_component(abs "${src}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    file(RELATIVE_PATH rel "${CMAKE_CURRENT_SOURCE_DIR}" "${abs}")
    if(rel MATCHES "^\\.\\./")
      # Outside this directory: name the object after the file plus a hash of its path.
      get_filename_component(base "${abs}" NAME)
      string(SHA1 hash "${abs}")
      string(SUBSTRING "${hash}" 0 8 hash)
      set(rel "${hash}_${base}")
    endif()
    string(REGEX REPLACE "[/.:]" "_" stem "${rel}")
    set(obj "${objdir}/${stem}.o")
    add_custom_command(
      OUTPUT "${obj}"
      COMMAND ${CMAKE_COMMAND} -E make_directory "${objdir}"
      COMMAND ${launcher} "${WS_WASI_CLANG}" --target=${WS_WASI_TARGET} ${cflags}
              -MD -MF "${obj}.d" -c "${abs}" -o "${obj}"
      DEPENDS "${abs}"
      DEPFILE "${obj}.d"
      COMMENT "Compiling ${src} for ${WS_WASI_TARGET} (${name}.wasm)"
      VERBATIM COMMAND_EXPAND_LISTS)
    list(APPEND objects "${obj}")
  endforeach()

  add_custom_command(
    OUTPUT "${out}"
    COMMAND "${WS_WASI_CLANG}" --target=${WS_WASI_TARGET} ${cflags} ${objects} ${ldflags}
            -o "${out}"
    DEPENDS ${objects}
    COMMENT "Linking ${WS_WASI_TARGET} module ${name}.wasm"
    VERBATIM COMMAND_EXPAND_LISTS)
  add_custom_target(${name} ALL DEPENDS "${out}")
  set_target_properties(${name} PROPERTIES WASM_FILE "${out}")
  set(${name}_WASM "${out}" PARENT_SCOPE)
endfunction()
