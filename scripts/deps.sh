#!/usr/bin/env bash
# Installs the Debian packages a make target needs: with apt-get when root,
# otherwise prints the exact command and fails. Usage: deps.sh build|demo|check
set -euo pipefail
what=${1:-build}
build_pkgs="cmake make gcc pkg-config libpcap-dev libssl-dev zlib1g-dev python3 netbase"
case "$what" in
build|demo) pkgs="$build_pkgs" ;;
check) pkgs="$build_pkgs clang clang-format libclang-rt-14-dev netcat-openbsd socat ncat tcpdump tshark nginx-light curl openssl iproute2 valgrind ca-certificates util-linux procps iperf3 libcap2-bin bc time chromium chromium-driver python3-selenium nftables tcpflow" ;;
*) echo "deps.sh: unknown set '$what'" >&2; exit 2 ;;
esac
missing=()
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "wirecat needs these Debian packages; please run:" >&2
	echo "  sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q "${missing[@]}" >/tmp/wirecat-apt.log 2>&1; then
	apt-get update -q >>/tmp/wirecat-apt.log 2>&1 || true
	apt-get install -y -q "${missing[@]}" >>/tmp/wirecat-apt.log 2>&1 || {
		tail -20 /tmp/wirecat-apt.log >&2
		echo "deps.sh: apt-get install failed (log: /tmp/wirecat-apt.log)" >&2
		exit 1
	}
fi
# nginx's package starts a service on port 80; tests run their own nginx.
if printf '%s\n' "${missing[@]}" | grep -q '^nginx'; then
	(service nginx stop || systemctl stop nginx || true) >/dev/null 2>&1
fi
