// Where the tests find the source tree, the troupe executable, the
// simulated driver and the fake LLM server. The values live in one generated
// source per build (tests/CMakeLists.txt), not in compile definitions, so that test objects
// do not depend on where the tree is checked out and ccache can share them
// between clones. Force-included into every test source.
#pragma once

extern const char* const troupe_test_source_dir;
extern const char* const troupe_test_troupe_binary;
extern const char* const troupe_test_sim_driver_binary;
extern const char* const troupe_test_fake_llm_binary;

#define TROUPE_SOURCE_DIR troupe_test_source_dir
#define TROUPE_BINARY troupe_test_troupe_binary
#define SIM_DRIVER_BINARY troupe_test_sim_driver_binary
#define FAKE_LLM_BINARY troupe_test_fake_llm_binary
