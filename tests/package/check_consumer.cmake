# CTest driver for tests/package: builds and runs tests/package/consumer against typenet.
#   -D MODE=package       installs the configured typenet build (TYPENET_BUILD_DIR) into a staging
#                         prefix, checks its layout, and consumes it with find_package;
#   -D MODE=subdirectory  consumes the source tree with add_subdirectory.
# Also: TYPENET_SOURCE_DIR, TYPENET_BUILD_DIR, WORK_DIR, CXX, BUILD_TYPE.
cmake_minimum_required(VERSION 3.20)

function(run what)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${what} failed (${rc}):\n${out}")
    endif()
    message(STATUS "${what}: ok")
    set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(configure_args -S ${TYPENET_SOURCE_DIR}/tests/package/consumer -B ${WORK_DIR}/build
    -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DTYPENET_CONSUMER_MODE=${MODE})

if(MODE STREQUAL "package")
    set(stage ${WORK_DIR}/stage)
    run("install into ${stage}" ${CMAKE_COMMAND} --install ${TYPENET_BUILD_DIR} --prefix ${stage})
    foreach(expected include/typenet.hpp include/typenet/model/model.hpp
                     include/typenet/dsl/lenet5.hpp lib/cmake/typenet/typenet-config.cmake)
        if(NOT EXISTS ${stage}/${expected})
            message(FATAL_ERROR "the installed package lacks ${expected}")
        endif()
    endforeach()
    file(GLOB top_level RELATIVE ${stage}/include ${stage}/include/*)
    list(SORT top_level)
    if(NOT top_level STREQUAL "typenet;typenet.hpp")
        message(FATAL_ERROR "the package installs '${top_level}' at the top of include/; only "
                            "typenet/ and typenet.hpp belong there")
    endif()
    list(APPEND configure_args -DCMAKE_PREFIX_PATH=${stage} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
elseif(MODE STREQUAL "subdirectory")
    list(APPEND configure_args -DTYPENET_SOURCE_DIR=${TYPENET_SOURCE_DIR})
else()
    message(FATAL_ERROR "MODE must be package or subdirectory, not '${MODE}'")
endif()

run("configure the consumer (${MODE})" ${CMAKE_COMMAND} ${configure_args})
run("build the consumer" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run("run engine (typenet::typenet)" ${WORK_DIR}/build/engine)
message(STATUS "${last_output}")
run("run files (typenet::io)" ${WORK_DIR}/build/files ${WORK_DIR})
message(STATUS "${last_output}")
