# bench.nets_smoke: cmake -DBENCH=<nets_bench> -P nets_smoke.cmake
# Runs the benchmark with a few iterations; fails unless it exits 0 and prints every result line
# bench/run_nets.sh parses. Timings are never checked.
execute_process(COMMAND ${BENCH} --quick RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nets_bench --quick exited with ${rc}")
endif()
string(FIND "${out}" "peak gflops=" at)
if(at EQUAL -1)
    message(FATAL_ERROR "nets_bench --quick did not print its peak")
endif()
foreach(net resnet_fmnist separable vgg_small)
    foreach(expected
            "flops net=${net} forward="
            "node net=${net} index=0 "
            "result framework=typenet net=${net} kind=train batch=32 threads=1 images_per_s="
            "result framework=typenet net=${net} kind=train batch=128 threads=2 images_per_s="
            "result framework=typenet net=${net} kind=infer batch=1 threads=1 images_per_s="
            "result framework=typenet net=${net} kind=infer batch=128 threads=1 images_per_s=")
        string(FIND "${out}" "${expected}" at)
        if(at EQUAL -1)
            message(FATAL_ERROR "nets_bench --quick did not print \"${expected}\"")
        endif()
    endforeach()
endforeach()
