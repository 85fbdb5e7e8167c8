#!/bin/sh
# Install the Debian packages named as arguments that are missing; quiet when none are.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "sluice: missing packages:$missing (run make deps as root)" >&2
	exit 1
fi
echo "  APT     $missing"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends $missing >/tmp/sluice-apt.log 2>&1 ||
	{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends $missing >/tmp/sluice-apt.log 2>&1; } ||
	{ echo "sluice: apt-get install failed, see /tmp/sluice-apt.log" >&2; exit 1; }
