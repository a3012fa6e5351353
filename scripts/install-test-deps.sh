#!/usr/bin/env bash
# Installs the Debian packages Parley's tests and code generation use, if missing:
#   protobuf-compiler, protobuf-compiler-grpc  buf's Python plugins (npm run generate / check)
#   python3-grpcio, python3-protobuf           the Python client test (gen/python stubs)
#   redis-server                               started by tests on a free port (never as a service)
#   chromium, fonts-dejavu-core,               the browser tests (playwright-core drives /usr/bin/chromium;
#   fonts-noto-color-emoji                     emoji render in the screenshots)
# `npm start` needs none of them.
set -euo pipefail
packages=(redis-server protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf chromium fonts-dejavu-core fonts-noto-color-emoji)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "test dependencies present: ${packages[*]}"
  exit 0
fi
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
