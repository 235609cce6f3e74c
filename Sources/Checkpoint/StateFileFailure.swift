import SQLite

/// A failure of the storage under the state (the file cannot be opened, read or written, or is locked), as
/// opposed to a `StateStoreError` about what it holds.
///
/// Callers catch this rather than a backend's own error type, so that they never import the backend:
/// `SQLiteError` is one; a second backend's errors would conform too.
public protocol StateFileFailure: Error, CustomStringConvertible {}

extension SQLiteError: StateFileFailure {}
