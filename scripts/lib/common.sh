# shellcheck shell=bash
# Helpers shared by the scripts in scripts/. Sourced, never executed.
# The sourcing script sets STAKELINE_ROOT (the repository root) before sourcing this file.

: "${STAKELINE_ROOT:?STAKELINE_ROOT must be set before sourcing scripts/lib/common.sh}"

# The service programs, in start order (the bus first).
# shellcheck disable=SC2034  # used by the scripts that source this file
STAKELINE_SERVICES=(bus ledger rewards operators slashing)
# Every binary the stack needs (services + the gateway CLI).
# shellcheck disable=SC2034  # used by the scripts that source this file
STAKELINE_BINARIES=(stakeline-bus stakeline-ledger stakeline-rewards stakeline-operators stakeline-slashing stakeline)

if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then
    _c_bold=$'\033[1m'; _c_dim=$'\033[2m'; _c_red=$'\033[31m'; _c_green=$'\033[32m'; _c_yellow=$'\033[33m'; _c_off=$'\033[0m'
else
    _c_bold=''; _c_dim=''; _c_red=''; _c_green=''; _c_yellow=''; _c_off=''
fi

# Name of the calling script, for messages ("stack", "setup", …).
SCRIPT_NAME="${SCRIPT_NAME:-$(basename "$0")}"

info()  { printf '%s\n' "${_c_dim}[$SCRIPT_NAME]${_c_off} $*"; }
ok()    { printf '%s\n' "${_c_dim}[$SCRIPT_NAME]${_c_off} ${_c_green}$*${_c_off}"; }
warn()  { printf '%s\n' "${_c_dim}[$SCRIPT_NAME]${_c_off} ${_c_yellow}warning:${_c_off} $*" >&2; }
err()   { printf '%s\n' "${_c_dim}[$SCRIPT_NAME]${_c_off} ${_c_red}error:${_c_off} $*" >&2; }
die()   { err "$*"; exit 1; }
bold()  { printf '%s' "${_c_bold}$*${_c_off}"; }

# Swift may be installed outside PATH (the project's machines keep it in /opt/swift).
ensure_swift_on_path() {
    if ! command -v swift >/dev/null 2>&1; then
        local d
        for d in /opt/swift/usr/bin /usr/share/swift/usr/bin /opt/swift/bin; do
            if [[ -x "$d/swift" ]]; then PATH="$d:$PATH"; export PATH; break; fi
        done
    fi
    command -v swift >/dev/null 2>&1
}

# Absolute path of a file or directory that may not exist yet (no symlink resolution needed).
abspath() {
    local p="$1"
    case "$p" in
        /*) printf '%s\n' "$p" ;;
        *)  printf '%s\n' "$PWD/${p#./}" ;;
    esac
}

# Seconds since the epoch, with bash only.
now_s() { printf '%(%s)T\n' -1; }
