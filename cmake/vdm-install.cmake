# Install rules: public headers, the four libraries (shared and static), vdm-devhost in
# libexec, the fuzz drivers in bin, and one relocatable pkg-config file per library (each finds its prefix from its own
# directory, so `cmake --install --prefix X` works anywhere).
file(GLOB VDM_PUBLIC_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/vdm/*.h)
install(FILES ${VDM_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/vdm)
install(TARGETS vdm vdm_sandbox vdm_machine vdm_fuzz ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS vdm_shared vdm_sandbox_shared vdm_machine_shared vdm_fuzz_shared
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT Development)
install(TARGETS vdm-devhost RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR})
# The fuzz drivers (fuzz/README.md): vdm-fuzz-replay always, vdm-fuzz when clang built it.
install(TARGETS vdm-fuzz-replay RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(VDM_FUZZ_DRIVER_FILE)
  install(PROGRAMS ${VDM_FUZZ_DRIVER_FILE} DESTINATION ${CMAKE_INSTALL_BINDIR})
  set(VDM_FUZZ_PC_DRIVER "\${bindir}/vdm-fuzz")
else()
  set(VDM_FUZZ_PC_DRIVER "")
endif()

file(RELATIVE_PATH VDM_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" VDM_PC_TO_PREFIX "${VDM_PC_TO_PREFIX}")
file(STRINGS ${PROJECT_SOURCE_DIR}/include/vdm/abi.h VDM_ABI_MAJOR_LINE
     REGEX "^#define VDM_ABI_MAJOR [0-9]+")
string(REGEX REPLACE ".* ([0-9]+)$" "\\1" VDM_ABI_MAJOR "${VDM_ABI_MAJOR_LINE}")
foreach(pc vdm vdm-sandbox vdm-machine)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/${pc}.pc.in ${PROJECT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/fuzz/vdm-fuzz.pc.in ${PROJECT_BINARY_DIR}/vdm-fuzz.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/vdm-fuzz.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
