// swift-tools-version: 6.1
// The measurement behind docs/architecture.md's choice of a direct libsqlite3 layer over GRDB:
// 3 alternating runs of 1 M ingest-shaped inserts each way. Run: swift run -c release SQLBench
import PackageDescription
let package = Package(
    name: "sqlbench",
    dependencies: [.package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0")],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3"),
        .executableTarget(name: "SQLBench", dependencies: ["CSQLite", .product(name: "GRDB", package: "GRDB.swift")]),
    ]
)
