# troupe_embed(NAME ROOT FILES OUTPUT): generates OUTPUT, a C++ source that
# defines `troupe::embedded::NAME()` returning every file of FILES (path
# relative to ROOT -> contents), so the binary carries its migrations and
# console assets and runs from any directory.
function(troupe_embed name root files output)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DNAME=${name} -DROOT=${root} "-DFILES=${files}" -DOUTPUT=${output}
            -P ${PROJECT_SOURCE_DIR}/tools/cmake/embed_files.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/tools/cmake/embed_files.cmake
    COMMENT "Embedding ${name}"
    VERBATIM)
endfunction()
