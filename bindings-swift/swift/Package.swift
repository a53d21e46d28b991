// swift-tools-version:5.9
// credmint for iOS and macOS: the generated uniffi bindings and a thin Swift
// layer (URLSession transport, async credentials) in the module `Credmint`,
// over the Rust core built as CredmintFFI.xcframework by build-xcframework.sh.
import PackageDescription

let package = Package(
    name: "Credmint",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "Credmint", targets: ["Credmint"]),
    ],
    targets: [
        .binaryTarget(name: "credmint_ffiFFI", path: "CredmintFFI.xcframework"),
        .target(name: "Credmint", dependencies: ["credmint_ffiFFI"], path: "Sources/Credmint"),
        .testTarget(name: "CredmintTests", dependencies: ["Credmint"], path: "Tests/CredmintTests"),
    ]
)
