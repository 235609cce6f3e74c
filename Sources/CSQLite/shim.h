#include <sqlite3.h>

/// `sqlite3_config` is variadic, which Swift cannot call: fixed-argument wrappers for the settings used.
/// Turns off SQLite's memory statistics, which take a global mutex on every allocation SQLite makes
/// (about 4 % of ingest's writing thread). Must run before any connection opens; returns SQLITE_MISUSE,
/// harmlessly, when SQLite is already initialised.
static inline int csqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
