# Install rules for vdm (included from sandbox/CMakeLists.txt): public headers, libvdm and
# libvdm_sandbox (static, PIC), vdm-devhost in libexec, and a relocatable vdm.pc.
file(GLOB VDM_PUBLIC_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/vdm/*.h)
install(FILES ${VDM_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/vdm)
install(TARGETS vdm vdm_sandbox ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS vdm-devhost RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR})

# vdm.pc finds its prefix from its own directory, so `cmake --install --prefix X` works.
file(RELATIVE_PATH VDM_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" VDM_PC_TO_PREFIX "${VDM_PC_TO_PREFIX}")
file(STRINGS ${PROJECT_SOURCE_DIR}/include/vdm/abi.h VDM_ABI_MAJOR_LINE
     REGEX "^#define VDM_ABI_MAJOR [0-9]+")
string(REGEX REPLACE ".* ([0-9]+)$" "\\1" VDM_ABI_MAJOR "${VDM_ABI_MAJOR_LINE}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/vdm.pc.in ${PROJECT_BINARY_DIR}/vdm.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/vdm.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
