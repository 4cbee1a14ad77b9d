# Sourced by the arm64 e2e tests: arm64_build OUTDIR BUILD_DIR [TARGET...] configures (once) and
# builds the aarch64 cross build in BUILD_DIR, logs in OUTDIR; sets b to BUILD_DIR's full path.
arm64_build() {
  local out=$1 dir=$2
  shift 2
  mkdir -p "$dir" || fail "cannot make the build folder $dir"
  b=$(cd "$dir" && pwd)
  cmake -S "$top" -B "$b" -DCMAKE_TOOLCHAIN_FILE="$top/cmake/aarch64-linux-gnu.cmake" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$out/configure.log" 2>&1 ||
    { cat "$out/configure.log"; fail "cmake could not configure the aarch64 cross build"; }
  cmake --build "$b" -j"$(nproc)" ${1:+--target "$@"} >"$out/build.log" 2>&1 ||
    { grep -m20 -E 'error' "$out/build.log"; fail "the aarch64 cross build failed ($out/build.log)"; }
}
