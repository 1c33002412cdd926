#!/usr/bin/env bash
# Installs what typenet's build, tests and main job need on Debian 12 (as root, or with sudo).
# Extra package names given as arguments are installed too (bench/run.sh adds PyTorch).
set -euo pipefail
# gnuplot-nox (no X11; 4 packages, about 5 MB): the trainer's PNG plot, also in its tests.
packages=(cmake g++ make libboost-dev libboost-test-dev librange-v3-dev zlib1g-dev
          nlohmann-json3-dev dataset-fashion-mnist time gnuplot-nox)
packages+=("$@")
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    echo "installing: ${missing[*]}"
    # apt's progress goes to stderr: scripts that print a report on stdout (bench/run*.sh) keep
    # it clean.
    "${sudo_cmd[@]}" apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
