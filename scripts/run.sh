#!/bin/sh
# run.sh BUILD_DIR [ternd options] - `make run`: start ternd in the foreground on its built-in
# defaults. Without a tls_cert in the options, a self-signed certificate for this host is
# made once in var/tls/ so STARTTLS works out of the box (clients must accept it unverified).
set -eu
build=${1:-build}
shift || true
cd "$(dirname "$0")/.."
case " $* " in
*tls_cert=*) exec "./$build/ternd" "$@" ;;
esac
dir=var/tls
if [ ! -s "$dir/cert.pem" ] || [ ! -s "$dir/key.pem" ]; then
	mkdir -p "$dir"
	host=$(hostname 2>/dev/null || echo localhost)
	echo "make run: creating a self-signed certificate for $host in $dir/"
	openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=$host" \
		-keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
	# the key is re-read on SIGHUP by the unprivileged user ternd switches to: give it to
	# that user rather than to everyone
	chmod 0600 "$dir/key.pem"
	if [ "$(id -u)" = 0 ] && id tern >/dev/null 2>&1; then
		chown tern "$dir/key.pem"
	fi
fi
exec "./$build/ternd" -o "tls_cert=$dir/cert.pem" -o "tls_key=$dir/key.pem" "$@"
