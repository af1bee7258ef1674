#!/usr/bin/env bash
# make deps — install the Debian packages aigate builds and tests with.
# As root: installs them. Otherwise: prints the exact apt command.
set -euo pipefail

# Build: compiler, pkg-config and the five libraries (see README.md).
# Tests: git (project-root detection), python3 (JSON checks), util-linux
# (setpriv, to run the sandbox as an unprivileged user), passwd (useradd).
# Tests only, never needed by aigate: python3-jsonschema (every audit record
# the integration tests produce is checked against docs/audit.schema.json).
# allow_net tests: dnsmasq-base (a real DNS server on loopback), curl.
# make check: clang-format, cppcheck.
PKGS=(build-essential pkg-config libyaml-dev libseccomp-dev libpcre2-dev libacl1-dev libcriterion-dev
      git python3 python3-jsonschema util-linux passwd clang-format cppcheck
      dnsmasq-base curl iputils-ping)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
auto=false
[ "${1:-}" = "--auto" ] && auto=true
if [ ${#missing[@]} -eq 0 ]; then
	$auto || echo "deps: all packages present"
	exit 0
fi
$auto && echo "deps: installing missing packages: ${missing[*]}"
cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages; run as root:"
	echo "  sudo apt-get update && sudo ${cmd[*]}"
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
"${cmd[@]}"
