#!/usr/bin/env bash
# Installs what the test suite needs beyond Go: the real protocol peers the
# tests start (DHCP, file, SIP, NTP, syslog, LDAP servers and softphones), the
# codec oracles, and qemu-user-static for the ARM test run. Debian packages,
# non-interactive, without letting any package start its system service (the
# tests start private instances).
#
# Nothing is installed when every package is already there. Without root or
# apt it prints what is missing and exits 0, so `make test` still runs the rest
# (peer tests skip); under CI=true a missing package is an error.
set -eu

PACKAGES=(
	iproute2 dnsmasq isc-dhcp-server isc-dhcp-client busybox udhcpc
	tftpd-hpa tftp-hpa vsftpd nginx-light curl openssl ca-certificates xxd
	kamailio kamailio-tls-modules sip-tester baresip baresip-core linphone-cli sox
	chrony rsyslog slapd ldap-utils tcpdump socat bsdutils tmux
	qemu-user-static ffmpeg libspandsp-dev libbcg729-dev portaudio19-dev gcc
	chromium nftables
)

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi
echo "install-deps: missing: ${missing[*]}"

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	if [ "${CI:-}" = true ]; then
		echo "install-deps: CI=true but cannot install (need root and apt-get)" >&2
		exit 1
	fi
	echo "install-deps: not root or no apt-get; tests that need these peers will skip"
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
