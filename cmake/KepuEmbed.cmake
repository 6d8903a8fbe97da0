# kepu_embed_files(<target> NAMESPACE <ns> FILES <files...>)
#
# Embeds text files (Lua scripts) into a static library at build time. For each file
# `dir/name.ext` it defines `std::string_view <ns>::k<Name>` (name in PascalCase), declared in
# the generated header `<target>.h`. The files stay files in the tree, as they are edited.
function(kepu_embed_files target)
  cmake_parse_arguments(ARG "" "NAMESPACE" "FILES" ${ARGN})
  set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/embedded")
  set(header "${out_dir}/${target}.h")
  set(source "${out_dir}/${target}.cc")
  set(inputs)
  foreach(file IN LISTS ARG_FILES)
    list(APPEND inputs "${CMAKE_CURRENT_SOURCE_DIR}/${file}")
  endforeach()
  list(JOIN inputs "|" joined_inputs)
  add_custom_command(
    OUTPUT "${header}" "${source}"
    COMMAND ${CMAKE_COMMAND}
      -DHEADER=${header} -DSOURCE=${source} -DNAMESPACE=${ARG_NAMESPACE}
      -DINPUTS=${joined_inputs}
      -P "${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake"
    DEPENDS ${inputs} "${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake"
    COMMENT "embedding ${ARG_FILES}"
    VERBATIM)
  add_library(${target} STATIC "${source}")
  target_include_directories(${target} PUBLIC "${out_dir}")
endfunction()
