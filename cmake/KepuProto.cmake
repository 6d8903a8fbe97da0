# kepu_proto_library(<target> PROTOS <files...> [DEPS <targets...>])
#
# Runs protoc with the gRPC plugin on each .proto (paths relative to proto/) and builds a static
# library of the generated code. A plain add_custom_command instead of protobuf_generate: the
# latter can pick up a stray _plugin variable from the caller's scope on CMake 3.25.
function(kepu_proto_library target)
  cmake_parse_arguments(ARG "" "" "PROTOS;DEPS" ${ARGN})
  set(proto_root "${PROJECT_SOURCE_DIR}/proto")
  set(out_dir "${PROJECT_BINARY_DIR}/gen")
  set(sources)
  foreach(proto IN LISTS ARG_PROTOS)
    get_filename_component(dir "${proto}" DIRECTORY)
    get_filename_component(stem "${proto}" NAME_WE)
    set(base "${out_dir}/${dir}/${stem}")
    set(outputs "${base}.pb.cc" "${base}.pb.h" "${base}.grpc.pb.cc" "${base}.grpc.pb.h"
                "${base}_mock.grpc.pb.h")
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND ${CMAKE_COMMAND} -E make_directory "${out_dir}"
      COMMAND protobuf::protoc
        --proto_path=${proto_root}
        --proto_path=/usr/include
        --cpp_out=${out_dir}
        --grpc_out=generate_mock_code=true:${out_dir}
        --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>
        "${proto_root}/${proto}"
      DEPENDS "${proto_root}/${proto}" protobuf::protoc gRPC::grpc_cpp_plugin
      COMMENT "protoc ${proto}"
      VERBATIM)
    list(APPEND sources "${base}.pb.cc" "${base}.grpc.pb.cc")
  endforeach()
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} SYSTEM PUBLIC "${out_dir}")
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf gRPC::grpc++ ${ARG_DEPS})
endfunction()
