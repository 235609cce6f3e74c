// swift-tools-version: 6.1
// Benchmarks for ziett-batch's hot paths, in their own package so that `swift test` in the main package never
// builds them. Run them through `scripts/bench` (which also measures the CLI end to end), or alone:
//   swift run -c release --package-path Benchmarks PhoneBench 3
//   swift run -c release --package-path Benchmarks CSVBench /tmp/1m.csv --parse-only
import Foundation
import PackageDescription

// A path dependency is identified by its folder's name, which differs between clones and worktrees.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let mainPackage = root.lastPathComponent.lowercased()

let package = Package(
    name: "ziett-batch-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "..")],
    targets: [
        // Phone numbers validated per second on one core (`PhoneNumberParser`, the CSV reader's byte overload).
        .executableTarget(
            name: "PhoneBench", dependencies: [.product(name: "Recipients", package: mainPackage)]),
        // CSV rows and MB per second (`CSVReader`), with and without rendering a template per row.
        .executableTarget(
            name: "CSVBench", dependencies: [.product(name: "Recipients", package: mainPackage)]),
    ],
    swiftLanguageModes: [.v6]
)
