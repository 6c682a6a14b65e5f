#!/usr/bin/env bash
# Installs what the test suite needs beyond Go: the real protocol peers the
# tests start (DHCP, file, SIP, NTP, syslog, LDAP servers and softphones), the
# codec oracles, Chromium with Node.js and npm for the browser test, and
# qemu-user-static for the ARM test run. Debian packages, non-interactive,
# without letting any package start its system service (the tests start
# private instances). Then playwright-core, the only thing not from Debian,
# from the npm registry into .cache/ (see internal/testpeer/chromium.go).
#
# Nothing is installed when everything is already there. Without root or apt
# it prints what is missing and exits 0, so `make test` still runs the rest
# (peer tests skip); under CI=true anything missing is an error, reported here
# before any test runs.
set -eu
cd "$(dirname "$0")/.."
PATH=$PATH:/usr/sbin:/sbin

PACKAGES=(
	iproute2 dnsmasq isc-dhcp-server isc-dhcp-client busybox udhcpc
	tftpd-hpa tftp-hpa vsftpd nginx-light curl openssl ca-certificates xxd
	kamailio kamailio-tls-modules sip-tester baresip baresip-core linphone-cli sox
	chrony rsyslog slapd ldap-utils tcpdump tshark socat bsdutils tmux
	qemu-user-static ffmpeg libspandsp-dev libbcg729-dev portaudio19-dev gcc
	chromium nftables procps lldpd hostapd wpasupplicant
)
# Node.js and npm run playwright-core for the browser test. Debian's nodejs
# (18) comes without npm; NodeSource's nodejs carries its own npm and
# conflicts with Debian's npm package, so a node and npm already on PATH are
# used as they are.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	PACKAGES+=(nodejs npm)
fi

# The programs the tests start (testpeer.Need and friends), checked once the
# packages are in: a test must never be the first to find one missing.
COMMANDS=(
	ip tc nft dnsmasq dhcpd dhclient busybox in.tftpd tftp vsftpd nginx curl
	openssl kamailio kamcmd sipp baresip linphonec sox chronyd rsyslogd slapd
	tcpdump tshark tmux socat ffmpeg chromium node npm qemu-aarch64-static qemu-arm-static
	useradd usermod chpasswd tar gcc sysctl soxi bash lldpd lldpcli hostapd wpa_supplicant
)

# fail reports a missing dependency: an error under CI=true, a warning
# otherwise (the tests that need it skip).
fail() {
	if [ "${CI:-}" = true ]; then
		echo "install-deps: $* (CI=true: stopping)" >&2
		exit 1
	fi
	echo "install-deps: $*; tests that need it will skip"
}

# check_commands fails on any program in COMMANDS that is not on PATH.
check_commands() {
	local c absent=()
	for c in "${COMMANDS[@]}"; do
		command -v "$c" >/dev/null || absent+=("$c")
	done
	[ ${#absent[@]} -eq 0 ] || fail "programs missing: ${absent[*]}"
}

# install_playwright puts playwright-core, at the version the tests drive,
# into .cache/playwright-VERSION (which the tests reuse).
install_playwright() {
	local version dir
	version=$(sed -n 's/^const PlaywrightVersion = "\(.*\)"$/\1/p' internal/testpeer/chromium.go)
	if [ -z "$version" ]; then
		fail "no PlaywrightVersion in internal/testpeer/chromium.go"
		return
	fi
	dir=.cache/playwright-$version
	[ -f "$dir/node_modules/playwright-core/package.json" ] && return
	command -v npm >/dev/null || return # already reported
	echo "install-deps: npm install playwright-core@$version into $dir"
	mkdir -p "$dir"
	if ! PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --prefix "$dir" \
		"playwright-core@$version"; then
		fail "npm install playwright-core@$version failed (needs the npm registry)"
	fi
}

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages present"
	check_commands
	install_playwright
	exit 0
fi
echo "install-deps: missing: ${missing[*]}"

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	fail "cannot install ${missing[*]} (needs root and apt-get)"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# Forbid service starts during the install (no-op if the image has a guard).
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends --no-upgrade "${missing[@]}"
echo "install-deps: installed ${#missing[@]} packages"
check_commands
install_playwright
