// swift-tools-version: 6.1
// ziett-batch: a cron-driven bulk SMS job engine for the Ziett API.
//
// Modules follow the data flow of one recipient:
//   Recipients (CSV → phone → template) → Checkpoint (SQLite state) → Delivery (pacing, retry, job loop)
//   → ZiettClient (HTTP) → the API, whose wire shapes live in ZiettAPI. ZiettSimulator stands in for the API.
// PostgresCheckpoint is the PostgreSQL state for several hosts on one job (issue 15), not yet used by the CLI.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "ziett-batch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ziett-batch", targets: ["ZiettBatchCLI"]),
        .library(name: "ZiettSimulator", targets: ["ZiettSimulator"]),
        // For the benchmark package in Benchmarks/, which measures the hot paths alone.
        .library(name: "Recipients", targets: ["Recipients"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // Job files (`run --job-file`): TOML, friendlier for operators than YAML. Measured alone in a throwaway
        // package on 2 busy cores: debug 20.6 s vs 14.0 s for Yams 6.2.2, release 33.7 s vs 37.5 s; noise
        // beside the ~4 min of SwiftNIO/Hummingbird.
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        // The PostgreSQL state (issue 15): an established driver, no hand-written wire protocol. Brings swift-nio-ssl.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // The system libsqlite3 (Debian: libsqlite3-dev).
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        // CSV stream, phone number validation, message templates, SMS encoding. No dependencies.
        .target(name: "Recipients", exclude: ["Phone/LICENSE-libphonenumber.txt"], swiftSettings: strict),
        // A thin direct layer over libsqlite3: connection, prepared statements, transactions, migrator. Shared by
        // the state file and the simulator's ledger, so there is one SQLite wrapper.
        .target(name: "SQLite", dependencies: ["CSQLite"], swiftSettings: strict),
        // The durable state of every job, recipient, chunk and attempt, in SQLite. Nothing outside it runs SQL.
        .target(name: "Checkpoint", dependencies: ["SQLite", "Recipients"], swiftSettings: strict),
        // The Ziett API's wire shapes (requests, responses, the error object). Foundation only.
        .target(name: "ZiettAPI", swiftSettings: strict),
        // The state in PostgreSQL, for several hosts on one job (issue 15): location, migrations, and the multi-host
        // primitives (ingest lock, chunk leases, the intent commit under a lease, the shared key budget).
        // Reuses Checkpoint's model types. Not wired into the CLI yet (docs/postgres.md).
        .target(
            name: "PostgresCheckpoint",
            dependencies: [
                "Checkpoint",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                // SHA-256 of the API key for the key budget's id (`PostgresKeyLedger.keyID`): the store is handed the
                // key and must never write it. Already built for Delivery and the simulator.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // An HTTP client for the Ziett API with explicit timeouts and typed outcomes.
        .target(
            name: "ZiettClient",
            dependencies: [
                "ZiettAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Ingest, planning, pacing, retry and the job loop that moves chunks through their states.
        .target(
            name: "Delivery",
            dependencies: [
                "Recipients", "Checkpoint", "PostgresCheckpoint", "ZiettAPI", "ZiettClient",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // A stateful Ziett API simulator with fault injection (`ziett-batch sim`, and in-process in tests).
        .target(
            name: "ZiettSimulator",
            dependencies: [
                "ZiettAPI", "SQLite",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The thin command-line shell.
        .executableTarget(
            name: "ZiettBatchCLI",
            dependencies: [
                "Recipients", "Checkpoint", "ZiettAPI", "ZiettClient", "Delivery", "ZiettSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strict
        ),
        // Test helpers every test target shares (a temporary directory per test, deleted however it ends).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "RecipientsTests", dependencies: ["Recipients"], exclude: ["Fixtures"], swiftSettings: strict),
        // SQLite: to write stored values the store would never write (unknown states) and read them back.
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "SQLite", "Recipients", "TestSupport"], swiftSettings: strict),
        // Against a real server: scripts/with-postgres starts one and sets ZIETT_TEST_POSTGRES_URL (scripts/test does).
        .testTarget(
            name: "PostgresCheckpointTests",
            dependencies: [
                "PostgresCheckpoint", "Checkpoint", "SQLite", "Recipients", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ZiettSimulatorTests",
            dependencies: [
                "ZiettSimulator", "ZiettAPI", "ZiettClient", "SQLite",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DeliveryTests",
            dependencies: [
                "Delivery", "Checkpoint", "SQLite", "Recipients", "ZiettAPI", "ZiettClient", "ZiettSimulator", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["ZiettSimulator", "Checkpoint", "SQLite", "ZiettAPI", "Recipients", "ZiettBatchCLI", "TestSupport"],
            // Expected `status`/`report`/`--help` output of the Operator*Tests, compared byte for byte.
            exclude: ["Snapshots"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
