# Project-wide compile flags: warnings as errors for our code, optional sanitizers.
set(WS_WARNINGS -Wall -Wextra -Werror)

if(WS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# WS_FUZZ: coverage instrumentation and ASan/UBSan for every target; fuzz targets add
# -fsanitize=fuzzer at link time.
if(WS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "WS_FUZZ needs clang: CC=clang-14 CXX=clang++-14 cmake -DWS_FUZZ=ON ...")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# ws_library(NAME SOURCES... [DEPS ...]) declares a project library with our warning flags.
function(ws_library name)
  cmake_parse_arguments(WL "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${WL_SOURCES})
  target_compile_options(${name} PRIVATE ${WS_WARNINGS})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${WL_DEPS})
endfunction()

# ws_test(NAME LABEL SOURCES... [DEPS ...]) builds one gtest binary and registers it with CTest.
function(ws_test name label)
  cmake_parse_arguments(WT "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${WT_SOURCES})
  target_compile_options(${name} PRIVATE ${WS_WARNINGS})
  target_link_libraries(${name} PRIVATE ${WT_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} PROPERTIES LABELS ${label} DISCOVERY_TIMEOUT 60)
endfunction()

# ws_static_deps(TARGET... [STATIC_RUNTIME]): link these programs against the archives of abseil,
# gRPC, protobuf, OpenSSL, re2, c-ares and zlib (fast start-up; see
# support/scripts/link-static-deps.sh); STATIC_RUNTIME: libstdc++ and libgcc too.
# WS_STATIC_DEPS=OFF keeps the shared libraries; so do sanitizer builds by default:
# LeakSanitizer's thread scan crashes at exit ("Tracer caught signal 11") in a program with a
# static abseil that has dlopened the codegen plugin, which brings the shared one.
set(ws_static_deps_default ON)
if(WS_SANITIZE OR WS_FUZZ)
  set(ws_static_deps_default OFF)
endif()
option(WS_STATIC_DEPS
       "Link start-up-critical programs (the shim, wasmrun, wasmc) with static abseil, gRPC, ..."
       ${ws_static_deps_default})
function(ws_static_deps)
  cmake_parse_arguments(WSD "STATIC_RUNTIME" "" "" ${ARGN})
  set(launcher "${CMAKE_SOURCE_DIR}/support/scripts/link-static-deps.sh")
  if(WSD_STATIC_RUNTIME)
    string(APPEND launcher " --static-runtime")
  endif()
  if(WS_STATIC_DEPS)
    set_target_properties(${WSD_UNPARSED_ARGUMENTS} PROPERTIES RULE_LAUNCH_LINK "${launcher}")
  endif()
endfunction()
