public import Checkpoint

extension ExitStatus {
    /// The exit code for a state file that breaks a rule of its jobs or cannot be read by this build.
    ///
    /// - A stored value this build cannot decode (an unknown state, phase, status or kind; settings or a
    ///   header that are not the JSON they should be): the file is damaged or was written by another
    ///   version of ziett-batch. As for any state file that cannot be read: 74 (EX_IOERR).
    /// - A job gone right after it was created: someone else changed the file under us. 74 (EX_IOERR).
    /// - Reading the input again from the start for a job past reading it (planned, or it has sent): the
    ///   input changed under a job that must not forget its plan. 65 (EX_DATAERR), as for a changed CSV.
    /// - A chunk changed under the run (the move to in flight found it no longer pending): another process
    ///   writes the job. Nothing was sent for that chunk; run again later: 75 (EX_TEMPFAIL).
    /// - The state file is in use by another process (a run, `retry` or `track` of a job in it, by any
    ///   path): nothing was changed; run again later: 75 (EX_TEMPFAIL).
    /// - A chunk another host works on (a state shared by several hosts), or a state rule a shared state
    ///   checks itself: nothing was sent for it; run again later: 75 (EX_TEMPFAIL).
    /// - The state file is on a network filesystem: a configuration to change, 64 (EX_USAGE).
    /// - It cannot be opened or created for writing: 74 (EX_IOERR).
    /// - Anything this build does not know yet: 70 (EX_SOFTWARE), please report it.
    public init(for error: StateStoreError) {
        switch error.code {
        case .unknownStoredValue, .undecodableStoredValue, .jobVanished: self = .ioError
        case .ingestRestartRefused: self = .dataError
        case .chunkChangedUnderneath, .locked, .heldByAnotherHost, .refused: self = .runAgainLater
        case .networkFilesystem, .notInDoubt, .hardLinked: self = .usage
        case .cannotOpen: self = .ioError
        default: self = .software
        }
    }
}
