# Debian bookworm packages only. CAF and SOCI ship no CMake package config, so
# they get imported targets here (the recipe of ../shared/caf-0.17-notes.md).
find_package(Threads REQUIRED)

find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY NAMES caf_core REQUIRED)
find_library(CAF_IO_LIBRARY NAMES caf_io REQUIRED)
add_library(CAF::core SHARED IMPORTED)
set_target_properties(CAF::core PROPERTIES
  IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES Threads::Threads)
add_library(CAF::io SHARED IMPORTED)
set_target_properties(CAF::io PROPERTIES
  IMPORTED_LOCATION "${CAF_IO_LIBRARY}"
  INTERFACE_LINK_LIBRARIES CAF::core)

find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_path(PQ_INCLUDE_DIR libpq-fe.h PATH_SUFFIXES postgresql REQUIRED)
find_library(SOCI_CORE_LIBRARY NAMES soci_core REQUIRED)
find_library(SOCI_SQLITE3_LIBRARY NAMES soci_sqlite3 REQUIRED)
find_library(SOCI_POSTGRESQL_LIBRARY NAMES soci_postgresql REQUIRED)
find_library(SQLITE3_LIBRARY NAMES sqlite3 REQUIRED)
find_library(PQ_LIBRARY NAMES pq REQUIRED)
add_library(SOCI::all INTERFACE IMPORTED)
set_target_properties(SOCI::all PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR};${PQ_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES
    "${SOCI_SQLITE3_LIBRARY};${SOCI_POSTGRESQL_LIBRARY};${SOCI_CORE_LIBRARY};${SQLITE3_LIBRARY};${PQ_LIBRARY};${CMAKE_DL_LIBS}")

find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS json program_options)
find_package(yaml-cpp REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
# Howard Hinnant's date (libhowardhinnant-date-dev): IANA time zones for each
# pod's local day and moods; C++17's <chrono> has no time zones.
find_package(date REQUIRED)
# The LLM client speaks HTTPS (Boost.Beast over OpenSSL, libssl-dev) and
# verifies certificates against the system's store.
find_package(OpenSSL REQUIRED)
# Embeddings and the learners' regressions (libeigen3-dev, header-only).
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(Catch2 2 REQUIRED)
