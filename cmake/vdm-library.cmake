# vdm_add_library(NAME OUTPUT VERSION_SCRIPT OBJECTS objlib... [PUBLIC libs...] [PRIVATE libs...]):
# one library built twice from the same PIC objects: NAME, a static archive (lib<OUTPUT>.a) the
# tree's own programs and tests link (they may reach internals), and NAME_shared, the shared
# object (lib<OUTPUT>.so.<major>) that exports only what VERSION_SCRIPT lets through: the
# public vdm_* API, never vdm__* internals.  Both are installed.
function(vdm_add_library name output map)
  cmake_parse_arguments(L "" "" "OBJECTS;PUBLIC;PRIVATE;SHARED_PUBLIC" ${ARGN})
  set(objs)
  foreach(o ${L_OBJECTS})
    list(APPEND objs $<TARGET_OBJECTS:${o}>)
  endforeach()
  add_library(${name} STATIC ${objs})
  add_library(${name}_shared SHARED ${objs})
  foreach(t ${name} ${name}_shared)
    target_include_directories(${t} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                                           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    set_target_properties(${t} PROPERTIES OUTPUT_NAME ${output} POSITION_INDEPENDENT_CODE ON)
    target_link_libraries(${t} PRIVATE ${L_PRIVATE})
  endforeach()
  target_link_libraries(${name} PUBLIC ${L_PUBLIC})
  # The shared object depends on the other vdm shared objects, not on their archives.
  target_link_libraries(${name}_shared PUBLIC ${L_SHARED_PUBLIC})
  # Installed, each finds its sibling libraries in its own directory, whatever the prefix.
  set_target_properties(${name}_shared PROPERTIES VERSION ${PROJECT_VERSION}
                        SOVERSION ${PROJECT_VERSION_MAJOR} LINK_DEPENDS ${map}
                        INSTALL_RPATH "$ORIGIN")
  target_link_options(${name}_shared PRIVATE "-Wl,--version-script=${map}")
  if(NOT VDM_SANITIZE AND NOT VDM_FUZZ) # (clang leaves the sanitizer runtime to programs)
    target_link_options(${name}_shared PRIVATE "-Wl,--no-undefined")
  endif()
endfunction()
