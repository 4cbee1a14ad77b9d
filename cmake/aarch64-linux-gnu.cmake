# CMake toolchain file: cross-builds vdm for aarch64 Linux on a Debian x86_64 host with Debian's
# cross compiler (gcc-aarch64-linux-gnu) and the arm64 -dev packages installed multiarch.
#   scripts/install-deps.sh --arm64
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DVDM_LIBRARIES_ONLY=ON
# The libraries come from /usr/lib/aarch64-linux-gnu (dpkg --add-architecture arm64), never from
# the host's x86_64 folders; pkg-config reads only the arm64 .pc files.  CC=clang works too
# (clang --target=aarch64-linux-gnu with the same headers and libraries).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(VDM_CROSS_TRIPLE aarch64-linux-gnu)

if(DEFINED ENV{CC} AND "$ENV{CC}" MATCHES "clang")
  set(CMAKE_C_COMPILER "$ENV{CC}")
  set(CMAKE_C_COMPILER_TARGET ${VDM_CROSS_TRIPLE})
else()
  find_program(VDM_CROSS_GCC ${VDM_CROSS_TRIPLE}-gcc)
  if(NOT VDM_CROSS_GCC)
    message(FATAL_ERROR "${VDM_CROSS_TRIPLE}-gcc not found: run scripts/install-deps.sh --arm64")
  endif()
  set(CMAKE_C_COMPILER ${VDM_CROSS_GCC})
endif()
set(CMAKE_LIBRARY_ARCHITECTURE ${VDM_CROSS_TRIPLE})

# Programs (iasl, dtc, busybox...) are the host's; libraries and headers only the target's:
# the multiarch arm64 folder first, the cross sysroot of libc6-dev-arm64-cross, and /usr for
# architecture-independent headers such as libfdt.h.  x86_64 library folders are never searched.
set(CMAKE_FIND_ROOT_PATH /usr/${VDM_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
list(APPEND CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib64 /lib64)

# libfdt: Debian's libfdt-dev is not co-installable for two architectures, so the arm64 side has
# only the runtime package (libfdt1:arm64, no libfdt.so link): link its libfdt.so.1 directly.
# The headers are the amd64 libfdt-dev's (they do not depend on the architecture).
set(VDM_CROSS_LIBDIR /usr/lib/${VDM_CROSS_TRIPLE})
if(NOT EXISTS ${VDM_CROSS_LIBDIR}/libfdt.so AND EXISTS ${VDM_CROSS_LIBDIR}/libfdt.so.1)
  set(FDT_LIBRARY ${VDM_CROSS_LIBDIR}/libfdt.so.1 CACHE FILEPATH "arm64 libfdt (libfdt1:arm64)")
endif()

# pkg-config: only the arm64 .pc files (and the architecture-independent ones).
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${VDM_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# Tests and helper programs of the build can run on this x86_64 host through qemu-user when it
# is installed (Debian qemu-user: qemu-aarch64 runs them, loader and libraries from this root);
# otherwise they are only built.
find_program(VDM_QEMU_AARCH64 qemu-aarch64)
if(VDM_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${VDM_QEMU_AARCH64})
endif()
