# cmake -DSOURCE_DIR=<repository root> -P self_contained.cmake
#
# The repository stands alone: no tracked file may send a reader to a document outside it (the
# design page or the design notes of the workspace the project grew in). The API contract is
# docs/api.md, the derivations docs/derivations.md. Fails listing every offending line.
#
# The patterns are assembled from pieces so that this file does not match them itself.
cmake_minimum_required(VERSION 3.20)
if(NOT DEFINED SOURCE_DIR)
    message(FATAL_ERROR "self_contained.cmake: -DSOURCE_DIR=... is required")
endif()

set(design "DESIGN")
set(notes "shared")
set(patterns "${design}\\.md" "${notes}/")

# The tracked files when this is a git work tree; otherwise every file outside build trees.
set(files "")
find_program(GIT git)
if(GIT AND EXISTS ${SOURCE_DIR}/.git)
    # One path a line; git quotes unusual names, and none of ours is unusual.
    execute_process(COMMAND ${GIT} ls-files WORKING_DIRECTORY ${SOURCE_DIR}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE listing OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(rc EQUAL 0)
        string(REPLACE "\n" ";" files "${listing}")
    endif()
endif()
if(NOT files)
    file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/*)
    list(FILTER files EXCLUDE REGEX "^(build|out|\\.git)/")
endif()
list(FILTER files EXCLUDE REGEX "\\.(safetensors|png|gz)$")

set(offenders "")
foreach(rel IN LISTS files)
    if(NOT rel OR NOT EXISTS ${SOURCE_DIR}/${rel} OR IS_DIRECTORY ${SOURCE_DIR}/${rel})
        continue()
    endif()
    foreach(re IN LISTS patterns)
        file(STRINGS ${SOURCE_DIR}/${rel} hits REGEX "${re}")
        foreach(hit IN LISTS hits)
            string(STRIP "${hit}" hit)
            list(APPEND offenders "${rel}: ${hit}")
        endforeach()
    endforeach()
endforeach()

list(LENGTH files file_count)
if(offenders)
    list(REMOVE_DUPLICATES offenders)
    list(LENGTH offenders n)
    list(JOIN offenders "\n  " listing)
    message(FATAL_ERROR "${n} lines point outside the repository (write the content into docs/ "
                        "instead):\n  ${listing}")
endif()
message("repository.self_contained: ${file_count} files, none points outside the repository")
