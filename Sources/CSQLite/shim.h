#include <sqlite3.h>

/// `sqlite3_config` is variadic, which Swift cannot call: fixed-argument wrappers for the settings used.
/// Turns off SQLite's memory statistics, which take a global mutex on every allocation SQLite makes
/// (about 4 % of ingest's writing thread). Must run before any connection opens; returns SQLITE_MISUSE,
/// harmlessly, when SQLite is already initialised.
static inline int csqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

#ifdef __linux__
#include <sys/vfs.h>
/// The `statfs` magic number of the filesystem holding the open file `fd`, or 0 when it cannot be read.
/// Here because Swift's Glibc module does not export `fstatfs`: SQLite's own advice is to keep databases
/// off network filesystems, and the state store checks before it locks (`SQLiteDatabase.filesystemMagic`).
static inline unsigned long csqlite_filesystem_magic(int fd) {
    struct statfs info;
    if (fstatfs(fd, &info) != 0) return 0;
    return (unsigned long)info.f_type;
}
#else
static inline unsigned long csqlite_filesystem_magic(int fd) { (void)fd; return 0; }
#endif

#ifdef __linux__
/// `csqlite_filesystem_magic` for a path (the file, or for a file not created yet its directory), so the
/// check needs no descriptor: closing one would drop this process's SQLite locks on the file.
static inline unsigned long csqlite_filesystem_magic_path(const char *path) {
    struct statfs info;
    if (statfs(path, &info) != 0) return 0;
    return (unsigned long)info.f_type;
}
#else
static inline unsigned long csqlite_filesystem_magic_path(const char *path) { (void)path; return 0; }
#endif
