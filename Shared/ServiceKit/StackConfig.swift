import Foundation

/// A stateful service of the stack. `rawValue` is its name in configuration keys
/// (`services.ledger`), topics (`ledger.Staked.`) and file names (`ledger.sqlite`).
public enum ServiceName: String, Sendable, Hashable, CaseIterable {
    case ledger, rewards, operators, slashing
}

/// The configuration every process and the CLI share: where the data lives, every endpoint,
/// who holds which role, how durable commits are, and the bus timings.
///
/// Sources, lowest to highest precedence:
/// 1. the embedded defaults (`StackConfig.defaults`) — no file is needed;
/// 2. a JSON file, its path from the `--config` flag or else `STAKELINE_CONFIG`;
/// 3. the environment (`StackConfig.environmentKeys`);
/// 4. explicit overrides (command-line flags), keyed like the file (`"bus.publishers"`).
///
/// The file format (every key optional; unknown keys and wrong types are errors):
/// ```json
/// {
///   "dataDir": ".data",
///   "bus": {
///     "publishers": "tcp://127.0.0.1:7100",
///     "subscribers": "tcp://127.0.0.1:7101",
///     "control": "tcp://127.0.0.1:7102"
///   },
///   "services": {
///     "ledger": "tcp://127.0.0.1:7110",
///     "rewards": "tcp://127.0.0.1:7120",
///     "operators": "tcp://127.0.0.1:7130",
///     "slashing": "tcp://127.0.0.1:7140"
///   },
///   "roles": {"admin": ["admin"], "oracle": ["oracle"]},
///   "durability": "full",
///   "heartbeatIntervalMs": 1000,
///   "requestTimeoutMs": 3000,
///   "snapshotEveryEvents": 50000
/// }
/// ```
/// Every endpoint is `tcp://host:port`: host non-empty (a name, an IPv4 address, `*`, or an
/// IPv6 address in brackets), port 1…65535.
public struct StackConfig: Sendable, Hashable {
    /// The directory holding every service's journal (`<dataDir>/<service>.sqlite`). A relative
    /// path is relative to the process's working directory.
    public var dataDir: String
    /// The bus proxy's endpoints.
    public var bus: BusEndpoints
    /// Each service's request endpoint (its ROUTER binds it, clients' DEALERs connect to it).
    public var services: ServiceEndpoints
    /// Which identities hold the `admin` and `oracle` roles (DESIGN.md §9).
    public var roles: Roles
    /// `full` or `normal`: how hard a journal commit waits for the disk (docs/DURABILITY.md).
    public var durability: Journal.Durability
    /// How often a service publishes `Heartbeat{seq}`, in milliseconds; 1…3_600_000.
    public var heartbeatIntervalMs: Int
    /// How long a client waits for a reply, in milliseconds; 1…3_600_000.
    public var requestTimeoutMs: Int
    /// How many of its own events a service journals between two snapshots; 1…100_000_000.
    /// Fewer means a faster start (less journal to replay) for more snapshot writes.
    public var snapshotEveryEvents: Int

    /// The bus proxy's three endpoints.
    public struct BusEndpoints: Sendable, Hashable {
        /// The proxy's XSUB binds here; services' PUB sockets connect.
        public var publishers: String
        /// The proxy's XPUB binds here; subscribers' SUB sockets connect.
        public var subscribers: String
        /// The proxy's ROUTER answering `status` binds here.
        public var control: String
        public init(publishers: String, subscribers: String, control: String) {
            self.publishers = publishers; self.subscribers = subscribers; self.control = control
        }
    }

    /// One request endpoint per service.
    public struct ServiceEndpoints: Sendable, Hashable {
        public var ledger: String
        public var rewards: String
        public var operators: String
        public var slashing: String
        public init(ledger: String, rewards: String, operators: String, slashing: String) {
            self.ledger = ledger; self.rewards = rewards; self.operators = operators; self.slashing = slashing
        }
        public subscript(service: ServiceName) -> String {
            get {
                switch service {
                case .ledger: ledger
                case .rewards: rewards
                case .operators: operators
                case .slashing: slashing
                }
            }
            set {
                switch service {
                case .ledger: ledger = newValue
                case .rewards: rewards = newValue
                case .operators: operators = newValue
                case .slashing: slashing = newValue
                }
            }
        }
    }

    /// A role some commands require (DESIGN.md §9).
    public enum Role: String, Sendable, Hashable, CaseIterable {
        case admin, oracle
    }

    /// The identities (actors) holding each role.
    public struct Roles: Sendable, Hashable {
        public var admin: [String]
        public var oracle: [String]
        public init(admin: [String], oracle: [String]) { self.admin = admin; self.oracle = oracle }
        public subscript(role: Role) -> [String] {
            get {
                switch role {
                case .admin: admin
                case .oracle: oracle
                }
            }
            set {
                switch role {
                case .admin: admin = newValue
                case .oracle: oracle = newValue
                }
            }
        }
        /// Whether `actor` holds `role`.
        public func actor(_ actor: String, holds role: Role) -> Bool { self[role].contains(actor) }
    }

    public init(
        dataDir: String, bus: BusEndpoints, services: ServiceEndpoints, roles: Roles,
        durability: Journal.Durability, heartbeatIntervalMs: Int, requestTimeoutMs: Int,
        snapshotEveryEvents: Int = 50_000
    ) {
        self.dataDir = dataDir
        self.bus = bus
        self.services = services
        self.roles = roles
        self.durability = durability
        self.heartbeatIntervalMs = heartbeatIntervalMs
        self.requestTimeoutMs = requestTimeoutMs
        self.snapshotEveryEvents = snapshotEveryEvents
    }

    /// The embedded defaults: a whole stack on loopback, data in `./.data`.
    public static let defaults = StackConfig(
        dataDir: ".data",
        bus: BusEndpoints(
            publishers: "tcp://127.0.0.1:7100", subscribers: "tcp://127.0.0.1:7101",
            control: "tcp://127.0.0.1:7102"),
        services: ServiceEndpoints(
            ledger: "tcp://127.0.0.1:7110", rewards: "tcp://127.0.0.1:7120",
            operators: "tcp://127.0.0.1:7130", slashing: "tcp://127.0.0.1:7140"),
        roles: Roles(admin: ["admin"], oracle: ["oracle"]),
        durability: .full,
        heartbeatIntervalMs: 1000,
        requestTimeoutMs: 3000)

    /// The environment variable naming the config file when no `--config` flag is given.
    public static let configFileVariable = "STAKELINE_CONFIG"

    /// Environment variable → config key. List values (`roles.*`) are comma-separated; a
    /// variable that is empty (or only spaces) counts as unset.
    public static let environmentKeys: [String: String] = [
        "STAKELINE_DATA_DIR": "dataDir",
        "STAKELINE_BUS_PUBLISHERS": "bus.publishers",
        "STAKELINE_BUS_SUBSCRIBERS": "bus.subscribers",
        "STAKELINE_BUS_CONTROL": "bus.control",
        "STAKELINE_LEDGER_ENDPOINT": "services.ledger",
        "STAKELINE_REWARDS_ENDPOINT": "services.rewards",
        "STAKELINE_OPERATORS_ENDPOINT": "services.operators",
        "STAKELINE_SLASHING_ENDPOINT": "services.slashing",
        "STAKELINE_DURABILITY": "durability",
        "STAKELINE_ADMINS": "roles.admin",
        "STAKELINE_ORACLES": "roles.oracle",
        "STAKELINE_SNAPSHOT_EVERY_EVENTS": "snapshotEveryEvents",
    ]

    /// Every key, in file order, dotted for nested ones: the keys of the file, of
    /// `environmentKeys` values and of overrides.
    public static let keys: [String] = [
        "dataDir", "bus.publishers", "bus.subscribers", "bus.control",
        "services.ledger", "services.rewards", "services.operators", "services.slashing",
        "roles.admin", "roles.oracle", "durability", "heartbeatIntervalMs", "requestTimeoutMs",
        "snapshotEveryEvents",
    ]

    /// Upper bound of `heartbeatIntervalMs` and `requestTimeoutMs`: one hour.
    public static let intervalMsMax = 3_600_000
    /// Upper bound of `snapshotEveryEvents`.
    public static let snapshotEveryEventsMax = 100_000_000
}

// MARK: - Loading

extension StackConfig {
    /// Builds the configuration from defaults < file < environment < overrides.
    ///
    /// - Parameters:
    ///   - configPath: the `--config` flag's value; nil falls back to `STAKELINE_CONFIG` in
    ///     `environment`, and to no file if that is unset too.
    ///   - environment: the process environment (injectable for tests).
    ///   - overrides: explicit values, keyed like the file (`"dataDir"`, `"bus.publishers"`,
    ///     `"services.ledger"`, `"roles.admin"` as a comma list, `"heartbeatIntervalMs"` as digits).
    /// - Throws: `ConfigError` naming the source and key of the first defect.
    public static func load(
        configPath: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: [String: String] = [:]
    ) throws(ConfigError) -> StackConfig {
        var config = StackConfig.defaults
        let filePath = configPath ?? environment[configFileVariable].flatMap { nonBlank($0) }
        if let filePath {
            try config.apply(fileAt: filePath)
        }
        try config.apply(environment: environment)
        try config.apply(overrides: overrides)
        try config.validate()
        return config
    }

    /// `load` for a process that reads its own command line: the config file from
    /// `--config PATH` / `--config=PATH` in `arguments`, else `STAKELINE_CONFIG`.
    public static func load(
        arguments: [String],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: [String: String] = [:]
    ) throws(ConfigError) -> StackConfig {
        try load(configPath: configPath(in: arguments), environment: environment, overrides: overrides)
    }

    /// Parses the configuration file's contents on top of `base` (defaults if omitted).
    /// `source` names the file in error messages.
    public static func parse(
        json bytes: Data, source: String = "config file", base: StackConfig = .defaults
    ) throws(ConfigError) -> StackConfig {
        var config = base
        try config.apply(json: bytes, source: source)
        try config.validate()
        return config
    }

    /// The value of `--config PATH` or `--config=PATH` in raw command-line arguments, for
    /// processes that do not use ArgumentParser; nil if absent.
    /// - Throws: `ConfigError.Code.invalidValue` if `--config` has no value.
    public static func configPath(in arguments: [String]) throws(ConfigError) -> String? {
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if argument == "--config" {
                let valueIndex = arguments.index(after: index)
                guard valueIndex < arguments.endIndex, !arguments[valueIndex].isEmpty else {
                    throw ConfigError(.invalidValue, key: nil, "--config needs a file path: --config PATH")
                }
                return arguments[valueIndex]
            }
            if argument.hasPrefix("--config=") {
                let value = String(argument.dropFirst("--config=".count))
                guard !value.isEmpty else {
                    throw ConfigError(.invalidValue, key: nil, "--config needs a file path: --config=PATH")
                }
                return value
            }
            index = arguments.index(after: index)
        }
        return nil
    }

    /// Checks every field. `load` and `parse` call it; call it after changing fields by hand.
    public func validate() throws(ConfigError) {
        let source = "configuration"
        if dataDir.isEmpty {
            throw ConfigError(.invalidValue, key: "dataDir", "\(source): dataDir must not be empty")
        }
        for (key, endpoint) in endpointFields {
            try Self.checkEndpoint(endpoint, key: key, source: source)
        }
        for role in Role.allCases {
            try Self.checkIdentities(roles[role], key: "roles.\(role.rawValue)", source: source)
        }
        try Self.checkInterval(heartbeatIntervalMs, key: "heartbeatIntervalMs", source: source)
        try Self.checkInterval(requestTimeoutMs, key: "requestTimeoutMs", source: source)
        try Self.checkSnapshotInterval(snapshotEveryEvents, source: source)
    }

    private var endpointFields: [(String, String)] {
        [("bus.publishers", bus.publishers), ("bus.subscribers", bus.subscribers), ("bus.control", bus.control)]
            + ServiceName.allCases.map { ("services.\($0.rawValue)", services[$0]) }
    }
}

// MARK: - Helpers for processes

extension StackConfig {
    /// The request endpoint of `service` (what clients connect to).
    public func endpoint(for service: ServiceName) -> String { services[service] }

    /// The address to `zmq_bind` for `service`'s request endpoint; see `bindAddress(for:)`.
    public func bindAddress(for service: ServiceName) -> String {
        Self.bindAddress(for: services[service])
    }

    /// The address to `zmq_bind` for an endpoint that others `connect` to.
    ///
    /// A host name (e.g. `ledger` in docker compose, where it names this container) becomes
    /// `*` (every interface), because libzmq binds interfaces and addresses, not names.
    /// `localhost` becomes `127.0.0.1`, so a loopback configuration stays loopback-only.
    /// A numeric IPv4 address, `*` and a bracketed IPv6 address (`[::1]`) are kept as they are.
    /// An endpoint that is not `tcp://host:port` is returned unchanged.
    public static func bindAddress(for endpoint: String) -> String {
        guard let (host, port) = parseEndpoint(endpoint) else { return endpoint }
        if host == "*" || host.hasPrefix("[") || isIPv4(host) { return endpoint }
        if host.lowercased() == "localhost" { return "tcp://127.0.0.1:\(port)" }
        return "tcp://*:\(port)"
    }

    /// The journal file of a service: `<dataDir>/<name>.sqlite`.
    public func journalPath(for serviceName: String) -> String {
        precondition(!serviceName.isEmpty && !serviceName.contains("/"), "bad service name \(serviceName)")
        return (dataDir as NSString).appendingPathComponent("\(serviceName).sqlite")
    }

    /// The journal file of `service`: `<dataDir>/<service>.sqlite`.
    public func journalPath(for service: ServiceName) -> String { journalPath(for: service.rawValue) }

    /// The configuration in the file format (pretty-printed, keys sorted): what
    /// `stakeline config` shows, and a file that `load` reads back to the same value.
    public func fileJSON() -> String {
        let object: [String: Any] = [
            "dataDir": dataDir,
            "bus": ["publishers": bus.publishers, "subscribers": bus.subscribers, "control": bus.control],
            "services": Dictionary(uniqueKeysWithValues: ServiceName.allCases.map { ($0.rawValue, services[$0]) }),
            "roles": ["admin": roles.admin, "oracle": roles.oracle],
            "durability": durability.rawValue,
            "heartbeatIntervalMs": heartbeatIntervalMs,
            "requestTimeoutMs": requestTimeoutMs,
            "snapshotEveryEvents": snapshotEveryEvents,
        ]
        let data = try? JSONSerialization.data(
            withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Splits `tcp://host:port`; nil unless the host is non-empty and the port is 1…65535.
    /// A bracketed IPv6 host keeps its brackets.
    static func parseEndpoint(_ endpoint: String) -> (host: String, port: Int)? {
        guard endpoint.hasPrefix("tcp://") else { return nil }
        let rest = endpoint.dropFirst("tcp://".count)
        let host: Substring
        let portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[...close]
            let afterHost = rest[rest.index(after: close)...]
            guard afterHost.hasPrefix(":") else { return nil }
            portText = afterHost.dropFirst()
            guard host.count > 2 else { return nil }
        } else {
            guard let colon = rest.lastIndex(of: ":") else { return nil }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
            guard !host.isEmpty, !host.contains(":") else { return nil }
        }
        guard !host.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "@" }) else { return nil }
        guard (1...5).contains(portText.count), portText.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = Int(portText), (1...65535).contains(port)
        else { return nil }
        return (String(host), port)
    }

    private static func isIPv4(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                (1...3).contains(part.count) && part.allSatisfy { $0.isASCII && $0.isNumber }
                    && Int(part).map { $0 <= 255 } == true
            }
    }
}

// MARK: - Applying sources

extension StackConfig {
    /// A value from some source, before it is checked against its key.
    private enum RawValue {
        case string(String)
        case integer(Int64)
        case number(Double)
        case bool(Bool)
        case array([RawValue])
        case object([String: RawValue])
        case null

        var typeName: String {
            switch self {
            case .string: "a string"
            case .integer, .number: "a number"
            case .bool: "a boolean"
            case .array: "an array"
            case .object: "an object"
            case .null: "null"
            }
        }
    }

    private mutating func apply(fileAt path: String) throws(ConfigError) {
        let source = "config file \(path)"
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(
                .fileUnreadable, key: nil,
                "\(source): cannot read it (\(Self.reason(of: error))); check the --config flag or \(Self.configFileVariable)")
        }
        try apply(json: data, source: source)
    }

    private mutating func apply(json data: Data, source: String) throws(ConfigError) {
        let root: RawValue
        do {
            root = try JSONDecoder().decode(JSONValueBox.self, from: data).value
        } catch {
            throw ConfigError(.invalidJSON, key: nil, "\(source): not valid JSON (\(Self.syntaxReason(data)))")
        }
        guard case .object(let top) = root else {
            throw ConfigError(.wrongType, key: nil, "\(source): must be a JSON object, found \(root.typeName)")
        }
        for (key, value) in top.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "bus", "services", "roles":
                guard case .object(let nested) = value else {
                    throw ConfigError(.wrongType, key: key, "\(source): \"\(key)\" must be an object, found \(value.typeName)")
                }
                for (nestedKey, nestedValue) in nested.sorted(by: { $0.key < $1.key }) {
                    try set("\(key).\(nestedKey)", nestedValue, source: source)
                }
            default:
                try set(key, value, source: source)
            }
        }
    }

    private mutating func apply(environment: [String: String]) throws(ConfigError) {
        for (variable, key) in Self.environmentKeys.sorted(by: { $0.key < $1.key }) {
            guard let text = environment[variable].flatMap({ Self.nonBlank($0) }) else { continue }
            try set(key, Self.rawValue(forText: text, key: key), source: "environment \(variable)")
        }
    }

    private mutating func apply(overrides: [String: String]) throws(ConfigError) {
        for (key, text) in overrides.sorted(by: { $0.key < $1.key }) {
            try set(key, Self.rawValue(forText: text, key: key), source: "override \(key)")
        }
    }

    /// Text from the environment or a flag, typed by its key: lists are comma-separated,
    /// intervals are digits; anything else stays a string for `set` to check.
    private static func rawValue(forText text: String, key: String) -> RawValue {
        if key.hasPrefix("roles.") {
            return .array(
                text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty }.map { .string($0) })
        }
        if key == "heartbeatIntervalMs" || key == "requestTimeoutMs" || key == "snapshotEveryEvents",
            let integer = Int64(text)
        {
            return .integer(integer)
        }
        return .string(text)
    }

    private mutating func set(_ key: String, _ value: RawValue, source: String) throws(ConfigError) {
        switch key {
        case "dataDir":
            let text = try Self.string(value, key: key, source: source)
            guard !text.isEmpty else {
                throw ConfigError(.invalidValue, key: key, "\(source): dataDir must not be empty")
            }
            dataDir = text
        case "bus.publishers":
            bus.publishers = try Self.endpoint(value, key: key, source: source)
        case "bus.subscribers":
            bus.subscribers = try Self.endpoint(value, key: key, source: source)
        case "bus.control":
            bus.control = try Self.endpoint(value, key: key, source: source)
        case "services.ledger", "services.rewards", "services.operators", "services.slashing":
            let service = ServiceName(rawValue: String(key.dropFirst("services.".count)))!
            services[service] = try Self.endpoint(value, key: key, source: source)
        case "roles.admin", "roles.oracle":
            let role = Role(rawValue: String(key.dropFirst("roles.".count)))!
            guard case .array(let items) = value else {
                throw Self.wrongType(key, expected: "an array of strings", found: value, source: source)
            }
            var identities: [String] = []
            for item in items {
                guard case .string(let identity) = item else {
                    throw Self.wrongType(key, expected: "an array of strings", found: item, source: source)
                }
                identities.append(identity)
            }
            try Self.checkIdentities(identities, key: key, source: source)
            roles[role] = identities
        case "durability":
            let text = try Self.string(value, key: key, source: source)
            guard let level = Journal.Durability(rawValue: text) else {
                throw ConfigError(
                    .invalidValue, key: key,
                    "\(source): durability must be \"full\" or \"normal\", not \"\(text)\"")
            }
            durability = level
        case "heartbeatIntervalMs":
            heartbeatIntervalMs = try Self.interval(value, key: key, source: source)
        case "requestTimeoutMs":
            requestTimeoutMs = try Self.interval(value, key: key, source: source)
        case "snapshotEveryEvents":
            guard case .integer(let integer) = value else {
                throw Self.wrongType(key, expected: "a whole number of events", found: value, source: source)
            }
            guard integer >= 1, integer <= Int64(Self.snapshotEveryEventsMax) else {
                throw ConfigError(
                    .invalidValue, key: key,
                    "\(source): snapshotEveryEvents must be 1…\(Self.snapshotEveryEventsMax) events, not \(integer)")
            }
            snapshotEveryEvents = Int(integer)
        default:
            throw ConfigError(
                .unknownKey, key: key,
                "\(source): unknown key \"\(key)\"; known keys: \(Self.keys.joined(separator: ", "))")
        }
    }

    private static func string(_ value: RawValue, key: String, source: String) throws(ConfigError) -> String {
        guard case .string(let text) = value else {
            throw wrongType(key, expected: "a string", found: value, source: source)
        }
        return text
    }

    private static func endpoint(_ value: RawValue, key: String, source: String) throws(ConfigError) -> String {
        let text = try string(value, key: key, source: source)
        try checkEndpoint(text, key: key, source: source)
        return text
    }

    private static func interval(_ value: RawValue, key: String, source: String) throws(ConfigError) -> Int {
        guard case .integer(let integer) = value else {
            throw wrongType(key, expected: "a whole number of milliseconds", found: value, source: source)
        }
        guard integer >= 1, integer <= Int64(intervalMsMax) else {
            throw ConfigError(
                .invalidValue, key: key, "\(source): \(key) must be 1…\(intervalMsMax) ms, not \(integer)")
        }
        return Int(integer)
    }

    private static func checkEndpoint(_ endpoint: String, key: String, source: String) throws(ConfigError) {
        guard parseEndpoint(endpoint) != nil else {
            throw ConfigError(
                .invalidEndpoint, key: key,
                "\(source): \(key) is \"\(endpoint)\", which is not tcp://host:port"
                    + " (host a name, IPv4 address, * or [IPv6]; port 1…65535), e.g. tcp://127.0.0.1:7110")
        }
    }

    private static func checkIdentities(_ identities: [String], key: String, source: String) throws(ConfigError) {
        for identity in identities
        where identity.isEmpty || identity.contains(where: { $0.isWhitespace || $0 == "," }) {
            throw ConfigError(
                .invalidValue, key: key,
                "\(source): \(key) holds \"\(identity)\"; identities are non-empty, without spaces or commas")
        }
    }

    private static func checkInterval(_ value: Int, key: String, source: String) throws(ConfigError) {
        guard (1...intervalMsMax).contains(value) else {
            throw ConfigError(.invalidValue, key: key, "\(source): \(key) must be 1…\(intervalMsMax) ms, not \(value)")
        }
    }

    private static func checkSnapshotInterval(_ value: Int, source: String) throws(ConfigError) {
        guard (1...snapshotEveryEventsMax).contains(value) else {
            throw ConfigError(
                .invalidValue, key: "snapshotEveryEvents",
                "\(source): snapshotEveryEvents must be 1…\(snapshotEveryEventsMax) events, not \(value)")
        }
    }

    private static func wrongType(_ key: String, expected: String, found: RawValue, source: String) -> ConfigError {
        ConfigError(.wrongType, key: key, "\(source): \(key) must be \(expected), found \(found.typeName)")
    }

    private static func nonBlank(_ text: String) -> String? {
        text.trimmingCharacters(in: .whitespaces).isEmpty ? nil : text
    }

    /// Where and why `data` is not JSON, with line and column when the parser tells the offset.
    private static func syntaxReason(_ data: Data) -> String {
        if data.isEmpty { return "the file is empty" }
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return "rejected by the decoder"
        } catch {
            let info = (error as NSError).userInfo
            let debug = (info[NSDebugDescriptionErrorKey] as? String) ?? (error as NSError).localizedDescription
            guard let marker = debug.range(of: "around character "),
                let offset = Int(debug[marker.upperBound...].prefix(while: \.isNumber))
            else { return debug }
            let before = data.prefix(offset)
            let line = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            let column = before.count - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
            let what = debug[..<marker.lowerBound].trimmingCharacters(in: .whitespaces)
            return "\(what) at line \(line), column \(column)"
        }
    }

    private static func reason(of error: any Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .dataCorrupted(let context): return context.underlyingError.map { "\($0)" } ?? context.debugDescription
            default: return "\(decoding)"
            }
        }
        return (error as NSError).localizedDescription
    }

    /// Decodes any JSON value, keeping integers apart from other numbers and booleans.
    private struct JSONValueBox: Decodable {
        let value: RawValue

        private struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            if let object = try? decoder.container(keyedBy: AnyKey.self) {
                var members: [String: RawValue] = [:]
                for key in object.allKeys {
                    members[key.stringValue] = try object.decode(JSONValueBox.self, forKey: key).value
                }
                value = .object(members)
                return
            }
            if var array = try? decoder.unkeyedContainer() {
                var items: [RawValue] = []
                while !array.isAtEnd { items.append(try array.decode(JSONValueBox.self).value) }
                value = .array(items)
                return
            }
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                value = .null
            } else if let bool = try? single.decode(Bool.self) {
                value = .bool(bool)
            } else if let integer = try? single.decode(Int64.self) {
                value = .integer(integer)
            } else if let number = try? single.decode(Double.self) {
                value = .number(number)
            } else {
                value = .string(try single.decode(String.self))
            }
        }
    }
}

/// A configuration defect: a stable `code`, the `key` concerned (dotted, e.g. `bus.control`)
/// when there is one, and a `message` that names the source (file, environment variable or
/// override) and says what is expected.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable snake_case code; new codes may be added.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The config file is missing or unreadable.
        public static let fileUnreadable = Code(rawValue: "config_file_unreadable")
        /// The config file is not JSON.
        public static let invalidJSON = Code(rawValue: "config_invalid_json")
        /// A key that the configuration does not have (a typo, usually).
        public static let unknownKey = Code(rawValue: "config_unknown_key")
        /// A value of the wrong JSON type (a number where a string belongs, …).
        public static let wrongType = Code(rawValue: "config_wrong_type")
        /// An endpoint that is not `tcp://host:port` with a port in 1…65535.
        public static let invalidEndpoint = Code(rawValue: "config_invalid_endpoint")
        /// A value of the right type but outside what is allowed.
        public static let invalidValue = Code(rawValue: "config_invalid_value")
    }

    public var code: Code
    /// The dotted key concerned, if any.
    public var key: String?
    public var message: String

    public init(_ code: Code, key: String?, _ message: String) {
        self.code = code
        self.key = key
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
