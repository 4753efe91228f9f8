#!/usr/bin/env bash
# Installs the Debian 12 packages tern needs, skipping what is already there.
# Safe to run again. Needs root (or sudo) only when something is missing.
# gcc/g++/make: ternc builds the programs it generates with the system
# compiler (cc/c++), and the tests build generated folders with them.
set -euo pipefail

PACKAGES=(
  cmake ninja-build
  clang-22 lld-22 libclang-rt-22-dev
  gcc g++ make
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libonnx-dev libprotobuf-dev protobuf-compiler
  libgtest-dev libbenchmark-dev
  g++-aarch64-linux-gnu qemu-user
  python3-numpy python3-onnx python3-sklearn
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "tern: all ${#PACKAGES[@]} required packages are installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "tern: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
