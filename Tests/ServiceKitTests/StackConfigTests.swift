import Foundation
import Testing

@testable import ServiceKit

@Suite("StackConfig")
struct StackConfigTests {
    @Test("the embedded defaults need no file and match the documented stack")
    func defaults() throws {
        let config = try StackConfig.load(configPath: nil, environment: [:], overrides: [:])
        #expect(config == StackConfig.defaults)
        #expect(config.dataDir == ".data")
        #expect(config.bus.publishers == "tcp://127.0.0.1:7100")
        #expect(config.bus.subscribers == "tcp://127.0.0.1:7101")
        #expect(config.bus.control == "tcp://127.0.0.1:7102")
        #expect(config.endpoint(for: .ledger) == "tcp://127.0.0.1:7110")
        #expect(config.endpoint(for: .rewards) == "tcp://127.0.0.1:7120")
        #expect(config.endpoint(for: .operators) == "tcp://127.0.0.1:7130")
        #expect(config.endpoint(for: .slashing) == "tcp://127.0.0.1:7140")
        #expect(config.roles.admin == ["admin"])
        #expect(config.roles.oracle == ["oracle"])
        #expect(config.roles.actor("admin", holds: .admin))
        #expect(!config.roles.actor("alice", holds: .admin))
        #expect(!config.roles.actor("admin", holds: .oracle))
        #expect(config.durability == .full)
        #expect(config.heartbeatIntervalMs == 1000)
        #expect(config.requestTimeoutMs == 3000)
        #expect(config.snapshotEveryEvents == 50_000)
        #expect(config.journalPath(for: "ledger") == ".data/ledger.sqlite")
        #expect(config.journalPath(for: .slashing) == ".data/slashing.sqlite")
        #expect(ServiceName.allCases.map(\.rawValue) == ["ledger", "rewards", "operators", "slashing"])
    }

    @Test("precedence: defaults < file < environment < overrides, key by key")
    func precedence() throws {
        let dir = try TempDirectory("stakeline-config")
        defer { dir.remove() }
        let file = dir.path("stack.json")
        try Data(
            """
            {"dataDir": "/srv/file", "bus": {"publishers": "tcp://bus:7100", "control": "tcp://bus:7102"},
             "services": {"ledger": "tcp://ledger:7110", "rewards": "tcp://rewards:7120"},
             "roles": {"admin": ["root", "ops"]}, "durability": "normal", "heartbeatIntervalMs": 250}
            """.utf8
        ).write(to: URL(fileURLWithPath: file))

        let fileOnly = try StackConfig.load(configPath: file, environment: [:])
        #expect(fileOnly.dataDir == "/srv/file")
        #expect(fileOnly.bus.publishers == "tcp://bus:7100")
        #expect(fileOnly.bus.subscribers == "tcp://127.0.0.1:7101", "keys absent from the file keep their default")
        #expect(fileOnly.services.ledger == "tcp://ledger:7110")
        #expect(fileOnly.services.operators == "tcp://127.0.0.1:7130")
        #expect(fileOnly.roles.admin == ["root", "ops"])
        #expect(fileOnly.roles.oracle == ["oracle"])
        #expect(fileOnly.durability == .normal)
        #expect(fileOnly.heartbeatIntervalMs == 250)
        #expect(fileOnly.requestTimeoutMs == 3000)

        let environment = [
            "STAKELINE_CONFIG": file,
            "STAKELINE_DATA_DIR": "/srv/env",
            "STAKELINE_BUS_CONTROL": "tcp://10.0.0.9:7102",
            "STAKELINE_SLASHING_ENDPOINT": "tcp://slashing:7140",
            "STAKELINE_DURABILITY": "full",
            "STAKELINE_ORACLES": " chainlink , reporter,, ",
            "STAKELINE_ADMINS": "",  // empty counts as unset
            "UNRELATED": "x",
        ]
        let fromEnvironment = try StackConfig.load(environment: environment)
        #expect(fromEnvironment.dataDir == "/srv/env")
        #expect(fromEnvironment.bus.publishers == "tcp://bus:7100", "file still applies under the environment")
        #expect(fromEnvironment.bus.control == "tcp://10.0.0.9:7102")
        #expect(fromEnvironment.services.slashing == "tcp://slashing:7140")
        #expect(fromEnvironment.durability == .full)
        #expect(fromEnvironment.roles.oracle == ["chainlink", "reporter"])
        #expect(fromEnvironment.roles.admin == ["root", "ops"])
        #expect(fromEnvironment.journalPath(for: .ledger) == "/srv/env/ledger.sqlite")

        let overridden = try StackConfig.load(
            environment: environment,
            overrides: [
                "dataDir": "/srv/flag/", "bus.control": "tcp://[::1]:9102", "services.ledger": "tcp://127.0.0.1:9110",
                "roles.admin": "alice,bob", "requestTimeoutMs": "500", "durability": "normal",
            ])
        #expect(overridden.dataDir == "/srv/flag/")
        #expect(overridden.journalPath(for: .ledger) == "/srv/flag/ledger.sqlite")
        #expect(overridden.bus.control == "tcp://[::1]:9102")
        #expect(overridden.services.ledger == "tcp://127.0.0.1:9110")
        #expect(overridden.services.slashing == "tcp://slashing:7140")
        #expect(overridden.roles.admin == ["alice", "bob"])
        #expect(overridden.requestTimeoutMs == 500)
        #expect(overridden.heartbeatIntervalMs == 250)
        #expect(overridden.durability == .normal)
    }

    @Test("the --config flag wins over STAKELINE_CONFIG")
    func configFlagWins() throws {
        let dir = try TempDirectory("stakeline-config")
        defer { dir.remove() }
        let flagFile = dir.path("flag.json")
        let envFile = dir.path("env.json")
        try Data(#"{"dataDir": "from-flag"}"#.utf8).write(to: URL(fileURLWithPath: flagFile))
        try Data(#"{"dataDir": "from-env"}"#.utf8).write(to: URL(fileURLWithPath: envFile))
        let config = try StackConfig.load(configPath: flagFile, environment: ["STAKELINE_CONFIG": envFile])
        #expect(config.dataDir == "from-flag")
        #expect(try StackConfig.configPath(in: ["stakeline-ledger", "--config", flagFile]) == flagFile)
        #expect(try StackConfig.configPath(in: ["x", "--verbose", "--config=\(envFile)"]) == envFile)
        #expect(try StackConfig.configPath(in: ["x"]) == nil)
        let fromArguments = try StackConfig.load(
            arguments: ["stakeline-ledger", "--config=\(flagFile)"], environment: ["STAKELINE_CONFIG": envFile])
        #expect(fromArguments.dataDir == "from-flag")
        let fromVariable = try StackConfig.load(arguments: ["stakeline-ledger"], environment: ["STAKELINE_CONFIG": envFile])
        #expect(fromVariable.dataDir == "from-env")
        let missing = #expect(throws: ConfigError.self) { _ = try StackConfig.configPath(in: ["x", "--config"]) }
        #expect(missing?.code == .invalidValue)
    }

    @Test(
        "valid endpoints",
        arguments: [
            "tcp://127.0.0.1:7110", "tcp://ledger:1", "tcp://*:65535", "tcp://[::1]:7100",
            "tcp://host.example.com:7100", "tcp://localhost:7100",
        ])
    func validEndpoint(endpoint: String) throws {
        let config = try StackConfig.load(environment: ["STAKELINE_LEDGER_ENDPOINT": endpoint])
        #expect(config.endpoint(for: .ledger) == endpoint)
    }

    @Test(
        "invalid endpoints are refused with the key and the source named",
        arguments: [
            "127.0.0.1:7110", "tcp://:7110", "tcp://ledger", "tcp://ledger:", "tcp://ledger:0",
            "tcp://ledger:65536", "tcp://ledger:99999999", "tcp://ledger:-1", "tcp://ledger:7x",
            "ipc:///tmp/x", "tcp://::1:7100", "tcp://[]:7100", "tcp://[::1]7100", "tcp://led ger:7100",
            "tcp://ledger:+80", "udp://ledger:7100",
        ])
    func invalidEndpoint(endpoint: String) {
        let error = #expect(throws: ConfigError.self) {
            _ = try StackConfig.load(environment: ["STAKELINE_LEDGER_ENDPOINT": endpoint])
        }
        #expect(error?.code == .invalidEndpoint)
        #expect(error?.key == "services.ledger")
        #expect(error?.message.contains("STAKELINE_LEDGER_ENDPOINT") == true)
        #expect(error?.message.contains(endpoint) == true)
    }

    @Test("file defects: unknown keys, wrong types, bad values, bad JSON, missing file")
    func fileValidation() throws {
        let cases: [(json: String, code: ConfigError.Code, key: String?)] = [
            (#"{"dataDirectory": "x"}"#, .unknownKey, "dataDirectory"),
            (#"{"bus": {"publisher": "tcp://a:1"}}"#, .unknownKey, "bus.publisher"),
            (#"{"services": {"gateway": "tcp://a:1"}}"#, .unknownKey, "services.gateway"),
            (#"{"roles": {"auditor": ["x"]}}"#, .unknownKey, "roles.auditor"),
            (#"{"dataDir": 5}"#, .wrongType, "dataDir"),
            (#"{"dataDir": ""}"#, .invalidValue, "dataDir"),
            (#"{"bus": "tcp://a:1"}"#, .wrongType, "bus"),
            (#"{"bus": {"control": 7102}}"#, .wrongType, "bus.control"),
            (#"{"bus": {"control": "tcp://a:0"}}"#, .invalidEndpoint, "bus.control"),
            (#"{"roles": {"admin": "root"}}"#, .wrongType, "roles.admin"),
            (#"{"roles": {"admin": ["root", 1]}}"#, .wrongType, "roles.admin"),
            (#"{"roles": {"oracle": [""]}}"#, .invalidValue, "roles.oracle"),
            (#"{"durability": "paranoid"}"#, .invalidValue, "durability"),
            (#"{"durability": true}"#, .wrongType, "durability"),
            (#"{"heartbeatIntervalMs": "1000"}"#, .wrongType, "heartbeatIntervalMs"),
            (#"{"heartbeatIntervalMs": 1.5}"#, .wrongType, "heartbeatIntervalMs"),
            (#"{"heartbeatIntervalMs": true}"#, .wrongType, "heartbeatIntervalMs"),
            (#"{"requestTimeoutMs": 0}"#, .invalidValue, "requestTimeoutMs"),
            (#"{"requestTimeoutMs": 3600001}"#, .invalidValue, "requestTimeoutMs"),
            (#"{"requestTimeoutMs": null}"#, .wrongType, "requestTimeoutMs"),
            (#"{"snapshotEveryEvents": 0}"#, .invalidValue, "snapshotEveryEvents"),
            (#"{"snapshotEveryEvents": 100000001}"#, .invalidValue, "snapshotEveryEvents"),
            (#"{"snapshotEveryEvents": "50000"}"#, .wrongType, "snapshotEveryEvents"),
            (#"["dataDir"]"#, .wrongType, nil),
            (#"{"dataDir": "x""#, .invalidJSON, nil),
            (#"{dataDir: "x"}"#, .invalidJSON, nil),
            ("", .invalidJSON, nil),
        ]
        for (json, code, key) in cases {
            let error = #expect(throws: ConfigError.self, "\(json)") {
                _ = try StackConfig.parse(json: Data(json.utf8), source: "config file stack.json")
            }
            #expect(error?.code == code, "\(json): \(String(describing: error))")
            #expect(error?.key == key, "\(json)")
            #expect(error?.message.hasPrefix("config file stack.json") == true, "\(json)")
            if let key, code == .unknownKey {
                #expect(error?.message.contains("\"\(key)\"") == true)
            }
        }
        let syntax = #expect(throws: ConfigError.self) {
            _ = try StackConfig.parse(json: Data("{\"dataDir\": \"x\",\n  \"bus\" {}}".utf8))
        }
        #expect(syntax?.message.contains("line 2, column") == true, "\(String(describing: syntax))")
        let missing = #expect(throws: ConfigError.self) {
            _ = try StackConfig.load(configPath: "/nonexistent/stack.json", environment: [:])
        }
        #expect(missing?.code == .fileUnreadable)
        #expect(missing?.message.contains("/nonexistent/stack.json") == true)
    }

    @Test("environment and override defects name their source")
    func environmentAndOverrideValidation() {
        let durability = #expect(throws: ConfigError.self) {
            _ = try StackConfig.load(environment: ["STAKELINE_DURABILITY": "FULL"])
        }
        #expect(durability?.code == .invalidValue)
        #expect(durability?.message.contains("environment STAKELINE_DURABILITY") == true)

        let unknown = #expect(throws: ConfigError.self) {
            _ = try StackConfig.load(environment: [:], overrides: ["bus.pub": "tcp://a:1"])
        }
        #expect(unknown?.code == .unknownKey)
        #expect(unknown?.key == "bus.pub")

        let notANumber = #expect(throws: ConfigError.self) {
            _ = try StackConfig.load(environment: [:], overrides: ["heartbeatIntervalMs": "1s"])
        }
        #expect(notANumber?.code == .wrongType)
        #expect(notANumber?.message.contains("override heartbeatIntervalMs") == true)
    }

    @Test("a full file round-trips through fileJSON()")
    func fileRoundTrip() throws {
        var config = StackConfig.defaults
        config.dataDir = "/var/lib/stakeline"
        config.services.rewards = "tcp://rewards:7120"
        config.roles.oracle = ["o1", "o2"]
        config.durability = .normal
        config.requestTimeoutMs = 1234
        config.snapshotEveryEvents = 16
        let parsed = try StackConfig.parse(json: Data(config.fileJSON().utf8))
        #expect(parsed == config)
        #expect(config.fileJSON().contains("\"dataDir\" : \"/var/lib/stakeline\""))
    }

    @Test(
        "bind addresses: names become *, localhost stays loopback, numeric hosts are kept",
        arguments: [
            ("tcp://ledger:7110", "tcp://*:7110"),
            ("tcp://host.example.com:7100", "tcp://*:7100"),
            ("tcp://localhost:7100", "tcp://127.0.0.1:7100"),
            ("tcp://127.0.0.1:7110", "tcp://127.0.0.1:7110"),
            ("tcp://0.0.0.0:7110", "tcp://0.0.0.0:7110"),
            ("tcp://*:7110", "tcp://*:7110"),
            ("tcp://[::1]:7110", "tcp://[::1]:7110"),
            ("tcp://[::]:7110", "tcp://[::]:7110"),
            ("tcp://10.0.0.256:7110", "tcp://*:7110"),
            ("not an endpoint", "not an endpoint"),
        ])
    func bindAddress(endpoint: String, expected: String) {
        #expect(StackConfig.bindAddress(for: endpoint) == expected)
    }

    @Test("bindAddress(for: service) uses the service's endpoint")
    func bindAddressForService() throws {
        let config = try StackConfig.load(environment: ["STAKELINE_REWARDS_ENDPOINT": "tcp://rewards:7120"])
        #expect(config.bindAddress(for: .rewards) == "tcp://*:7120")
        #expect(config.bindAddress(for: .ledger) == "tcp://127.0.0.1:7110")
    }

    @Test("every documented key is accepted by the file, the environment map and overrides")
    func keysAreConsistent() throws {
        #expect(Set(StackConfig.environmentKeys.values).isSubset(of: Set(StackConfig.keys)))
        #expect(StackConfig.environmentKeys.count == 12)
        for key in StackConfig.keys {
            let value: String =
                switch key {
                case "durability": "normal"
                case "heartbeatIntervalMs", "requestTimeoutMs", "snapshotEveryEvents": "42"
                case let key where key.hasPrefix("roles."): "x,y"
                case let key where key.contains("."): "tcp://h:42"
                default: "dir"
                }
            _ = try StackConfig.load(environment: [:], overrides: [key: value])
        }
    }
}
