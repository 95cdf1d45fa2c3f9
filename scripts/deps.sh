#!/bin/sh
# deps.sh run|test - install the Debian packages tern needs, when missing and when root.
# "run" is what building and running ternd needs; "test" adds what the test suite drives.
# See README.md "Dependencies" for why each package is here.
set -eu
RUN_PKGS="gcc make libc-ares-dev libssl-dev libcrypt-dev"
TEST_PKGS="$RUN_PKGS openssl libcmocka-dev python3 python3-pytest python3-aiosmtpd swaks curl msmtp postfix clang libclang-rt-14-dev valgrind dnsmasq-base dovecot-core dovecot-lmtpd"
case "${1:-run}" in
run) want=$RUN_PKGS ;;
test) want=$TEST_PKGS ;;
*) echo "usage: $0 run|test" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# ternd drops root to this user after binding its ports (setting "user", default tern)
add_user() {
	id tern >/dev/null 2>&1 && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "the system user 'tern' is missing (run as root to create it)" >&2
		return 0
	fi
	useradd --system --no-create-home --shell /usr/sbin/nologin tern
}
add_user
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "missing Debian packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "installing:$missing"
# postfix is installed only for smtp-source/smtp-sink; it must not ask questions or start
echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
