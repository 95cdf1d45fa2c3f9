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
	# the key is re-read on SIGHUP by the unprivileged user ternd switches to
	chmod 0644 "$dir/key.pem"
fi
exec "./$build/ternd" -o "tls_cert=$dir/cert.pem" -o "tls_key=$dir/key.pem" "$@"
