/// The release of every Stakeline process and of the CLI, reported by `status`.
public enum StakelineVersion { public static let current = "0.1.0" }
