import Hash

/// How `watch` runs; the CLI fills it from its options.
public struct WatchConfig: Sendable {
    public var store: PayloadStore
    /// Keys given on the command line; the trust directory's keys are added
    /// each time the store is read.
    public var trusted: [Ed25519.PublicKey]
    /// The xsplice binary a worker runs.
    public var binary: String
    public var workers: Int
    /// The stop-window timeout of each apply, as `apply --timeout`.
    public var timeout: Double
    /// How long a new process may take to finish its dynamic loader's
    /// start-up (the executable's RELRO protected) before it is given up.
    public var startupLimit: Double
    /// nil: the process-events connector; else scan /proc every this many seconds.
    public var poll: Double?
    /// Also log processes a payload is not for (module not mapped).
    public var verbose: Bool
    /// When not empty, only processes running one of these executables
    /// (resolved paths) are considered: a service's own binaries.
    public var executables: Set<String> = []

    public init(store: PayloadStore, trusted: [Ed25519.PublicKey], binary: String, workers: Int = 2,
                timeout: Double = 5, startupLimit: Double = 10, poll: Double? = nil, verbose: Bool = false) {
        self.store = store
        self.trusted = trusted
        self.binary = binary
        self.workers = workers
        self.timeout = timeout
        self.startupLimit = startupLimit
        self.poll = poll
        self.verbose = verbose
    }
}
